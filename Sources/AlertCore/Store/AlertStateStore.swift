import CSQLite
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// alertmanager-lite's state file (`storage.path`): SQLite in WAL mode holding every rule's alert
/// instances and the alerts pushed through `POST /api/v2/alerts`.
///
/// Opening never fails: a file that is corrupt, truncated, not a database, another program's
/// database, or from a newer schema is renamed to `<path>.corrupt-<UTC timestamp>` (with its
/// `-wal`/`-shm` files) with an error in the log, and a fresh file takes its place; when even that
/// is impossible (read-only directory) the store runs in memory. See ``openOutcome``.
///
/// Calls are serialized by a mutex; each is a few milliseconds of SQLite work (WAL with
/// `synchronous=NORMAL` syncs only at checkpoints).
public final class AlertStateStore: Sendable {
    /// How opening went.
    public enum OpenOutcome: Sendable, Equatable {
        /// An existing file of ours (possibly migrated from an older schema version).
        case opened(migratedFrom: Int)
        /// A new file (the path did not exist, or held an empty file or database).
        case created
        /// The file was unusable and renamed to `movedTo`; a fresh file was created.
        case movedAside(reason: String, movedTo: String)
        /// Nothing could be opened at `path`: the state lives in memory until the next start.
        case inMemory(reason: String)
    }

    /// The path given at open.
    public let path: String
    public let openOutcome: OpenOutcome
    private let database: Mutex<SQLiteDatabase>

    /// `PRAGMA cache_size` in KiB (SQLite's negative form): the page cache per connection. The
    /// state is small (a few thousand rows); SQLite's default of 2 MiB would mostly hold nothing.
    public static let cacheSizeKiB = 512

    private init(path: String, database: sending SQLiteDatabase, outcome: OpenOutcome) {
        self.path = path
        self.database = Mutex(database)
        self.openOutcome = outcome
    }

    /// Opens the state file at `path` (creating it when missing), checks and migrates it. Never
    /// throws; see the type's documentation for what happens to a bad file.
    /// - Parameters:
    ///   - now: Unix seconds for the `.corrupt-<timestamp>` suffix.
    ///   - migrations: the schema history (tests pass a longer or shorter one).
    public static func open(path: String, logger: Logger, now: Double = Date().timeIntervalSince1970,
                            migrations: [StoreMigration] = StoreSchema.migrations) -> AlertStateStore {
        if path == ":memory:" {
            return inMemory(path: path, reason: "storage.path is :memory:", logger: logger, migrations: migrations)
        }
        let firstProblem: String
        do {
            let (database, outcome) = try openChecked(path: path, migrations: migrations, logger: logger)
            return AlertStateStore(path: path, database: database, outcome: outcome)
        } catch {
            firstProblem = "\(error)"
        }
        let aside = path + ".corrupt-" + timestampSuffix(now)
        do {
            try moveAside(path, to: aside)
        } catch {
            logger.error("cannot use the state file and cannot move it aside; keeping state in memory until restart",
                         metadata: ["path": "\(path)", "err": "\(firstProblem)", "rename_err": "\(error)"])
            return inMemory(path: path, reason: "\(firstProblem); rename failed: \(error)", logger: logger, migrations: migrations)
        }
        logger.error("state file unusable; moved aside, starting with empty state",
                     metadata: ["path": "\(path)", "moved_to": "\(aside)", "err": "\(firstProblem)"])
        do {
            let (database, _) = try openChecked(path: path, migrations: migrations, logger: logger)
            return AlertStateStore(path: path, database: database, outcome: .movedAside(reason: firstProblem, movedTo: aside))
        } catch {
            logger.error("cannot create a new state file; keeping state in memory until restart",
                         metadata: ["path": "\(path)", "err": "\(error)"])
            return inMemory(path: path, reason: "\(error)", logger: logger, migrations: migrations)
        }
    }

    private static func inMemory(path: String, reason: String, logger: Logger, migrations: [StoreMigration]) -> AlertStateStore {
        // An in-memory database cannot fail to open or migrate short of running out of memory.
        let database = try! SQLiteDatabase(path: ":memory:")
        _ = try! migrate(database, from: 0, migrations: migrations, logger: logger)
        return AlertStateStore(path: path, database: database, outcome: .inMemory(reason: reason))
    }

    /// Why an existing file is not used.
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens, checks (header, integrity, application id, schema version), sets the pragmas and migrates.
    static func openChecked(path: String, migrations: [StoreMigration],
                            logger: Logger) throws -> (SQLiteDatabase, OpenOutcome) {
        let existingSize = fileSize(path)
        if let existingSize, existingSize > 0 {
            // SQLite's header starts with this string; anything else (a text file, a truncated
            // header) is not ours, and SQLite might otherwise treat a short file as empty.
            let header = readPrefix(path, count: 100)
            let magic = Array("SQLite format 3\0".utf8)
            guard header.starts(with: magic.prefix(header.count)) else {
                throw Unusable(description: "not a SQLite database (no SQLite header)")
            }
            guard header.count == 100 else { throw Unusable(description: "truncated: \(header.count) bytes, shorter than a SQLite header") }
        }
        let database = try SQLiteDatabase(path: path)
        let check = try database.textRows("PRAGMA integrity_check(5)").compactMap { $0.first ?? nil }
        guard check == ["ok"] else {
            throw Unusable(description: "integrity_check failed: \(check.joined(separator: "; "))")
        }
        let applicationID = Int32(truncatingIfNeeded: try database.integer("PRAGMA application_id"))
        let version = Int(try database.integer("PRAGMA user_version"))
        let objects = try database.integer("SELECT count(*) FROM sqlite_master")
        let latest = migrations.last?.version ?? 0
        if applicationID != StoreSchema.applicationID {
            guard applicationID == 0 && objects == 0 && version == 0 else {
                let id = String(UInt32(bitPattern: applicationID), radix: 16)
                throw Unusable(description: "another program's SQLite database (application_id 0x\(id), \(objects) schema objects)")
            }
        } else if version > latest {
            throw Unusable(description: "written by a newer alertmanager-lite (schema version \(version); this build knows up to \(latest))")
        }
        try database.execute("PRAGMA cache_size = -\(cacheSizeKiB)")
        let mode = try database.text("PRAGMA journal_mode = WAL")
        guard mode == "wal" else { throw Unusable(description: "cannot switch to WAL mode (journal_mode is \(mode ?? "?"))") }
        try database.execute("PRAGMA synchronous = NORMAL")
        let migratedFrom = try migrate(database, from: version, migrations: migrations, logger: logger)
        let created = (existingSize ?? 0) == 0 || objects == 0
        return (database, created ? .created : .opened(migratedFrom: migratedFrom))
    }

    /// Runs the migrations after `version`, each in one transaction; returns the starting version.
    static func migrate(_ database: SQLiteDatabase, from version: Int, migrations: [StoreMigration],
                        logger: Logger) throws -> Int {
        for migration in migrations where migration.version > version {
            try database.transaction {
                try database.execute(migration.sql)
                try database.execute("PRAGMA application_id = \(StoreSchema.applicationID)")
                try database.execute("PRAGMA user_version = \(migration.version)")
            }
            logger.info("state file migrated", metadata: ["path": "\(database.path)", "version": "\(migration.version)",
                                                          "adds": "\(migration.summary)"])
        }
        return version
    }

    // MARK: - Rule alert instances

    /// Every stored rule alert instance, by rule.
    /// - Throws: ``SQLiteError`` (an I/O error on a file that was fine at open).
    public func load() throws(SQLiteError) -> [RuleStateKey: [AlertInstance]] {
        try database.withLock { database throws(SQLiteError) in
            let statement = try database.prepare("""
                SELECT rule_file, rule_group, rule_name, rule_ordinal, definition_hash, labels, annotations, state,
                       value, active_at, fired_at, resolved_at, keep_firing_since, last_evaluated_at
                FROM rule_alerts ORDER BY rule_file, rule_group, rule_ordinal, rule_name, labels
                """)
            var result: [RuleStateKey: [AlertInstance]] = [:]
            while try statement.step() {
                let key = RuleStateKey(file: statement.text(0) ?? "", group: statement.text(1) ?? "", rule: statement.text(2) ?? "",
                                       ordinal: Int(statement.int64(3)), definitionHash: statement.text(4) ?? "")
                let instance = AlertInstance(
                    labels: LabelJSON.decode(statement.text(5)), annotations: LabelJSON.decode(statement.text(6)),
                    state: AlertState(rawValue: statement.text(7) ?? "") ?? .inactive,
                    value: statement.optionalDouble(8) ?? .nan, activeAt: statement.double(9),
                    firedAt: statement.optionalDouble(10), resolvedAt: statement.optionalDouble(11),
                    keepFiringSince: statement.optionalDouble(12), lastEvaluatedAt: statement.double(13))
                result[key, default: []].append(instance)
            }
            return result
        }
    }

    /// Replaces the stored instances of every rule in `changes` (an empty list deletes them) in
    /// ONE transaction: after a crash the file holds either the whole round or none of it.
    /// - Throws: ``SQLiteError``; nothing of this call is then stored.
    public func commit(_ changes: [RuleStateKey: [AlertInstance]]) throws(SQLiteError) {
        guard !changes.isEmpty else { return }
        try database.withLock { database throws(SQLiteError) in
            try Self.inTransaction(database) { () throws(SQLiteError) in
                let delete = try database.prepare("""
                    DELETE FROM rule_alerts
                    WHERE rule_file = ? AND rule_group = ? AND rule_name = ? AND rule_ordinal = ? AND definition_hash = ?
                    """)
                let insert = try database.prepare("""
                    INSERT INTO rule_alerts (rule_file, rule_group, rule_name, rule_ordinal, definition_hash, labels,
                        annotations, state, value, active_at, fired_at, resolved_at, keep_firing_since, last_evaluated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (key, instances) in changes {
                    let keyValues: [SQLiteValue] = [.text(key.file), .text(key.group), .text(key.rule),
                                                    .integer(Int64(key.ordinal)), .text(key.definitionHash)]
                    delete.reset()
                    try delete.bind(keyValues)
                    try delete.run()
                    for instance in instances {
                        insert.reset()
                        try insert.bind(keyValues + [
                            .text(LabelJSON.encode(instance.labels)), .text(LabelJSON.encode(instance.annotations)),
                            .text(instance.state.rawValue), instance.value.isNaN ? .null : .real(instance.value),
                            .real(instance.activeAt), optional(instance.firedAt), optional(instance.resolvedAt),
                            optional(instance.keepFiringSince), .real(instance.lastEvaluatedAt),
                        ])
                        try insert.run()
                    }
                }
            }
        }
    }

    /// Deletes the instances of every rule not in `keys` (rules removed or changed by a reload).
    /// - Returns: the number of rows deleted.
    @discardableResult
    public func removeRules(notIn keys: Set<RuleStateKey>) throws(SQLiteError) -> Int {
        let stored = try load().keys
        let gone = stored.filter { !keys.contains($0) }
        guard !gone.isEmpty else { return 0 }
        let before = try database.withLock { database throws(SQLiteError) in try database.integer("SELECT count(*) FROM rule_alerts") }
        try commit(Dictionary(uniqueKeysWithValues: gone.map { ($0, []) }))
        let after = try database.withLock { database throws(SQLiteError) in try database.integer("SELECT count(*) FROM rule_alerts") }
        return Int(before - after)
    }

    // MARK: - Pushed alerts

    /// Every stored pushed alert.
    public func loadPushedAlerts() throws(SQLiteError) -> [PushedAlert] {
        try database.withLock { database throws(SQLiteError) in
            let statement = try database.prepare("""
                SELECT labels, annotations, starts_at, ends_at, updated_at, timeout, generator_url FROM pushed_alerts ORDER BY fingerprint
                """)
            var alerts: [PushedAlert] = []
            while try statement.step() {
                alerts.append(PushedAlert(labels: LabelJSON.decode(statement.text(0)), annotations: LabelJSON.decode(statement.text(1)),
                                          startsAt: statement.double(2), endsAt: statement.double(3), updatedAt: statement.double(4),
                                          timeout: statement.int64(5) != 0, generatorURL: statement.text(6) ?? ""))
            }
            return alerts
        }
    }

    /// Stores `alerts` (replacing those with the same fingerprint) and deletes `removed`
    /// fingerprints, in one transaction.
    public func savePushedAlerts(_ alerts: [PushedAlert], removing removed: [String] = []) throws(SQLiteError) {
        guard !alerts.isEmpty || !removed.isEmpty else { return }
        try database.withLock { database throws(SQLiteError) in
            try Self.inTransaction(database) { () throws(SQLiteError) in
                let upsert = try database.prepare("""
                    INSERT OR REPLACE INTO pushed_alerts (fingerprint, labels, annotations, starts_at, ends_at, updated_at, timeout, generator_url)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for alert in alerts {
                    upsert.reset()
                    try upsert.bind([.text(alert.fingerprint), .text(LabelJSON.encode(alert.labels)),
                                     .text(LabelJSON.encode(alert.annotations)), .real(alert.startsAt), .real(alert.endsAt),
                                     .real(alert.updatedAt), .integer(alert.timeout ? 1 : 0), .text(alert.generatorURL)])
                    try upsert.run()
                }
                let delete = try database.prepare("DELETE FROM pushed_alerts WHERE fingerprint = ?")
                for fingerprint in removed {
                    delete.reset()
                    try delete.bind(1, .text(fingerprint))
                    try delete.run()
                }
            }
        }
    }

    // MARK: - Inspection

    /// The file's `PRAGMA journal_mode` (`wal` for a file store, `memory` in memory).
    public func journalMode() throws(SQLiteError) -> String {
        try database.withLock { database throws(SQLiteError) in try database.text("PRAGMA journal_mode") ?? "" }
    }

    /// The file's schema version (`PRAGMA user_version`).
    public func schemaVersion() throws(SQLiteError) -> Int {
        try database.withLock { database throws(SQLiteError) in Int(try database.integer("PRAGMA user_version")) }
    }

    /// Bytes the connection's page cache holds (bounded by ``cacheSizeKiB``).
    public var cacheUsedBytes: Int { database.withLock { $0.cacheUsedBytes } }

    // MARK: - Helpers

    private static func inTransaction(_ database: SQLiteDatabase, _ body: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        try database.execute("BEGIN IMMEDIATE")
        do {
            try body()
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    static func timestampSuffix(_ now: Double) -> String {
        // 20261129T181500Z: sortable, no characters a shell or a file system minds.
        String(TimeFormat.rfc3339Nano(now.rounded(.down)).filter { $0 != "-" && $0 != ":" })
    }

    /// Renames `path` and its `-wal`/`-shm` companions (a stale WAL would otherwise be replayed
    /// into the new file). A missing companion is fine; a failing rename of the file itself throws.
    static func moveAside(_ path: String, to target: String) throws {
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try? FileManager.default.moveItem(atPath: path + suffix, toPath: target + suffix)
        }
        try FileManager.default.moveItem(atPath: path, toPath: target)
    }

    private static func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// Up to `count` bytes from the start of the file (fewer when it is shorter).
    private static func readPrefix(_ path: String, count: Int) -> [UInt8] {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, count - filled) }
            guard got > 0 else { break }
            filled += got
        }
        return Array(buffer.prefix(filled))
    }
}

private func optional(_ value: Double?) -> SQLiteValue {
    value.map { .real($0) } ?? .null
}

/// Label sets and annotations as stored: a JSON object with sorted keys, so equal sets give equal
/// text (the label text is part of a row's identity).
enum LabelJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ labels: [String: String]) -> String {
        String(decoding: (try? encoder.encode(labels)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String?) -> [String: String] {
        guard let text, let labels = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else { return [:] }
        return labels
    }
}
