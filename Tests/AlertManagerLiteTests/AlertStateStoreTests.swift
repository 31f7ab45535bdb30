import AlertCore
import CSQLite
import Foundation
import Testing
import TestSupport

/// The SQLite state store: round trips, one transaction per commit, migrations, and every kind of
/// bad file moved aside with the daemon starting empty.
@Suite struct AlertStateStoreTests {
    static let keyA = RuleStateKey(file: "rules/a.yml", group: "node", rule: "HostDown", ordinal: 0, definitionHash: "h1")
    static let keyB = RuleStateKey(file: "rules/a.yml", group: "node", rule: "HostDown", ordinal: 1, definitionHash: "h2")

    static func firing(_ instance: String, value: Double = 1) -> AlertInstance {
        AlertInstance(labels: ["alertname": "HostDown", "instance": instance], annotations: ["summary": "\(instance) is down \u{1F4A5}"],
                      state: .firing, value: value, activeAt: 1_700_000_000.5, firedAt: 1_700_000_060,
                      keepFiringSince: 1_700_000_120, lastEvaluatedAt: 1_700_000_180)
    }

    @Test func roundTripKeepsEveryField() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.db"
        let log = CapturedLog()
        let pending = AlertInstance(labels: ["alertname": "HostDown", "instance": "b"], state: .pending, value: .nan,
                                    activeAt: 10, lastEvaluatedAt: 20)
        let resolved = AlertInstance(labels: ["alertname": "HostDown", "instance": "c"], state: .inactive, value: .infinity,
                                     activeAt: 1, firedAt: 2, resolvedAt: 3, lastEvaluatedAt: 4)
        do {
            let store = AlertStateStore.open(path: path, logger: log.logger)
            #expect(store.openOutcome == .created)
            try store.commit([Self.keyA: [Self.firing("a"), pending], Self.keyB: [resolved]])
        }
        let reopened = AlertStateStore.open(path: path, logger: log.logger)
        #expect(reopened.openOutcome == .opened(migratedFrom: StoreSchema.latestVersion))
        let loaded = try reopened.load()
        #expect(Set(loaded.keys) == [Self.keyA, Self.keyB])
        let a = loaded[Self.keyA]!.sorted { $0.labels["instance"]! < $1.labels["instance"]! }
        #expect(a[0] == Self.firing("a"))
        // NaN != NaN: compare the rest field by field.
        #expect(a[1].value.isNaN && a[1].labels == pending.labels && a[1].state == .pending && a[1].firedAt == nil)
        #expect(loaded[Self.keyB] == [resolved])
        #expect(log.errors.isEmpty)
    }

    @Test func commitReplacesOnlyTheGivenRulesAndEmptyDeletes() throws {
        let store = AlertStateStore.open(path: ":memory:", logger: CapturedLog().logger)
        try store.commit([Self.keyA: [Self.firing("a"), Self.firing("b")], Self.keyB: [Self.firing("c")]])
        try store.commit([Self.keyA: [Self.firing("z")]])
        var loaded = try store.load()
        #expect(loaded[Self.keyA]?.map { $0.labels["instance"]! } == ["z"])
        #expect(loaded[Self.keyB]?.count == 1)
        try store.commit([Self.keyB: []])
        loaded = try store.load()
        #expect(loaded[Self.keyB] == nil)
        #expect(try store.removeRules(notIn: [Self.keyB]) == 1)
        #expect(try store.load().isEmpty)
    }

    /// Two instances with the same labels under one rule break the primary key half-way through a
    /// commit: nothing of that commit may remain, not even the rules written before the failure.
    @Test func aFailingCommitLeavesNothingBehind() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.db"
        let store = AlertStateStore.open(path: path, logger: CapturedLog().logger)
        try store.commit([Self.keyA: [Self.firing("old")]])
        let duplicate = [Self.firing("x"), Self.firing("x")]
        let keyC = RuleStateKey(file: "rules/b.yml", group: "g", rule: "R", ordinal: 0, definitionHash: "h")
        #expect(throws: SQLiteError.self) {
            try store.commit([Self.keyA: [Self.firing("new")], Self.keyB: duplicate, keyC: [Self.firing("c")]])
        }
        let loaded = try store.load()
        #expect(loaded[Self.keyA]?.map { $0.labels["instance"]! } == ["old"])
        #expect(loaded[Self.keyB] == nil && loaded[keyC] == nil)
        // The same seen from a second connection (another process reading the file).
        let reader = try SQLiteDatabase(path: path, create: false, readOnly: true)
        #expect(try reader.integer("SELECT count(*) FROM rule_alerts") == 1)
    }

    @Test func fileIsInWALModeWithOurApplicationID() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.db"
        let store = AlertStateStore.open(path: path, logger: CapturedLog().logger)
        #expect(try store.journalMode() == "wal")
        #expect(try store.schemaVersion() == StoreSchema.latestVersion)
        let reader = try SQLiteDatabase(path: path, create: false, readOnly: true)
        #expect(try reader.integer("PRAGMA application_id") == Int64(StoreSchema.applicationID))
    }

    /// A file written by an older build (schema version 1: rule alerts only) is migrated in place and
    /// keeps its rows; a later build's extra migration applies on top of today's file too.
    @Test func olderSchemaFilesAreMigratedAndKeepTheirRows() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.db"
        do {
            let old = try SQLiteDatabase(path: path)
            try old.execute(StoreSchema.migrations[0].sql)
            try old.execute("PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = 1")
            try old.execute("""
                INSERT INTO rule_alerts VALUES ('rules/a.yml', 'node', 'HostDown', 0, 'h1', '{"alertname":"HostDown"}', '{}',
                    'pending', 2.5, 100, NULL, NULL, NULL, 160)
                """)
        }
        let log = CapturedLog()
        let store = AlertStateStore.open(path: path, logger: log.logger)
        #expect(store.openOutcome == .opened(migratedFrom: 1))
        #expect(try store.schemaVersion() == StoreSchema.latestVersion)
        #expect(try store.load()[Self.keyA] == [AlertInstance(labels: ["alertname": "HostDown"], state: .pending, value: 2.5,
                                                              activeAt: 100, lastEvaluatedAt: 160)])
        try store.savePushedAlerts([PushedAlert(labels: ["a": "b"], startsAt: 1, endsAt: 2, updatedAt: 1)])
        #expect(log.entries.contains { $0.message == "state file migrated" && $0.metadata["version"] == "2" })

        let future = StoreSchema.migrations + [StoreMigration(version: StoreSchema.latestVersion + 1, summary: "silences",
                                                              sql: "CREATE TABLE silences (id TEXT PRIMARY KEY)")]
        let upgraded = AlertStateStore.open(path: path, logger: log.logger, migrations: future)
        #expect(upgraded.openOutcome == .opened(migratedFrom: StoreSchema.latestVersion))
        #expect(try upgraded.schemaVersion() == StoreSchema.latestVersion + 1)
        #expect(try upgraded.load()[Self.keyA]?.count == 1)
        #expect(try upgraded.loadPushedAlerts().count == 1)
    }

    /// Writes `content` as the state file, opens it, and checks that it was moved aside with a
    /// logged error and that the store starts empty and usable.
    func expectMovedAside(_ write: (String) throws -> Void, reasonContains: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.db"
        try write(path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let log = CapturedLog()
        let store = AlertStateStore.open(path: path, logger: log.logger, now: 1_800_000_000)
        guard case let .movedAside(reason, movedTo) = store.openOutcome else {
            Issue.record("not moved aside: \(store.openOutcome)", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains(reasonContains), "reason: \(reason)", sourceLocation: sourceLocation)
        #expect(movedTo == path + ".corrupt-20270115T080000Z", sourceLocation: sourceLocation)
        #expect(try Data(contentsOf: URL(fileURLWithPath: movedTo)) == original, sourceLocation: sourceLocation)
        #expect(log.errors.contains { $0.contains("moved aside") && $0.contains(movedTo) }, "\(log.errors)", sourceLocation: sourceLocation)
        #expect(try store.load().isEmpty, sourceLocation: sourceLocation)
        try store.commit([Self.keyA: [Self.firing("a")]])
        #expect(try AlertStateStore.open(path: path, logger: log.logger).load()[Self.keyA]?.count == 1, sourceLocation: sourceLocation)
    }

    @Test func garbageFileIsMovedAside() throws {
        try expectMovedAside({ try "groups:\n  - name: not a database\n".write(toFile: $0, atomically: true, encoding: .utf8) },
                             reasonContains: "not a SQLite database")
    }

    @Test func truncatedHeaderIsMovedAside() throws {
        try expectMovedAside({ try Data("SQLite format 3\0".utf8 + [0x10, 0x00]).write(to: URL(fileURLWithPath: $0)) },
                             reasonContains: "truncated")
    }

    /// A real state file cut in half (as a full disk or a bad copy leaves it).
    @Test func truncatedDatabaseIsMovedAside() throws {
        try expectMovedAside({ path in
            let source = path + ".full"
            let store = AlertStateStore.open(path: source, logger: CapturedLog().logger)
            var changes: [RuleStateKey: [AlertInstance]] = [:]
            for rule in 0..<200 {
                let key = RuleStateKey(file: "f", group: "g", rule: "R\(rule)", ordinal: 0, definitionHash: "h")
                changes[key] = (0..<5).map { Self.firing("host-\(rule)-\($0)") }
            }
            try store.commit(changes)
            let checkpoint = try SQLiteDatabase(path: source)
            try checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
            #expect(bytes.count > 40_000)
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        }, reasonContains: "integrity_check")
    }

    /// Pages overwritten with noise behind an intact header: only integrity_check finds it.
    @Test func corruptPagesAreMovedAside() throws {
        try expectMovedAside({ path in
            let store = AlertStateStore.open(path: path + ".src", logger: CapturedLog().logger)
            var changes: [RuleStateKey: [AlertInstance]] = [:]
            for rule in 0..<100 {
                changes[RuleStateKey(file: "f", group: "g", rule: "R\(rule)", ordinal: 0, definitionHash: "h")] = [Self.firing("x\(rule)")]
            }
            try store.commit(changes)
            try SQLiteDatabase(path: path + ".src").execute("PRAGMA wal_checkpoint(TRUNCATE)")
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".src")))
            var generator = SystemRandomNumberGenerator()
            for index in 4096..<min(bytes.count, 4096 * 4) { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }, reasonContains: "integrity_check")
    }

    @Test func anotherProgramsDatabaseIsMovedAside() throws {
        try expectMovedAside({ path in
            let foreign = try SQLiteDatabase(path: path)
            try foreign.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT); INSERT INTO moz_places VALUES (1, 'x')")
        }, reasonContains: "another program's SQLite database")
    }

    @Test func aNewerSchemaVersionIsMovedAside() throws {
        try expectMovedAside({ path in
            let newer = try SQLiteDatabase(path: path)
            try newer.execute("CREATE TABLE future (x); PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = 99")
        }, reasonContains: "newer alertmanager-lite (schema version 99")
    }

    /// An empty file (touch) and an empty database hold nothing to keep: they are used as new.
    @Test func emptyFilesBecomeNewStores() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let empty = dir.path + "/empty.db"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let log = CapturedLog()
        #expect(AlertStateStore.open(path: empty, logger: log.logger).openOutcome == .created)
        let emptyDatabase = dir.path + "/emptydb.db"
        try SQLiteDatabase(path: emptyDatabase).execute("PRAGMA user_version = 0")
        #expect(AlertStateStore.open(path: emptyDatabase, logger: log.logger).openOutcome == .created)
        #expect(log.errors.isEmpty)
    }

    /// When the bad file cannot even be moved (the name it would get is taken by a directory), the
    /// store still works, in memory, and says so.
    @Test func unmovableBadFileFallsBackToMemory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("state.db", "not a database at all")
        try FileManager.default.createDirectory(atPath: path + ".corrupt-20270115T080000Z/taken", withIntermediateDirectories: true)
        let log = CapturedLog()
        let store = AlertStateStore.open(path: path, logger: log.logger, now: 1_800_000_000)
        guard case let .inMemory(reason) = store.openOutcome else {
            Issue.record("expected in-memory, got \(store.openOutcome)")
            return
        }
        #expect(reason.contains("not a SQLite database") && reason.contains("rename failed"))
        try store.commit([Self.keyA: [Self.firing("a")]])
        #expect(try store.load()[Self.keyA]?.count == 1)
        #expect(log.errors.contains { $0.contains("keeping state in memory") })
        // The bad file is left as it was.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a database at all")
    }

    @Test func aStateFileUnderAMissingDirectoryFallsBackToMemory() throws {
        let log = CapturedLog()
        let store = AlertStateStore.open(path: "/nonexistent-\(UUID().uuidString)/state.db", logger: log.logger)
        guard case .inMemory = store.openOutcome else {
            Issue.record("expected in-memory, got \(store.openOutcome)")
            return
        }
        #expect(log.errors.count >= 1)
    }

    @Test func pushedAlertsRoundTripAndDelete() throws {
        let store = AlertStateStore.open(path: ":memory:", logger: CapturedLog().logger)
        let alert = PushedAlert(labels: ["alertname": "X", "job": "node"], annotations: ["summary": "s"], startsAt: 10,
                                endsAt: 310, updatedAt: 10, timeout: true, generatorURL: "http://prom/graph")
        try store.savePushedAlerts([alert])
        #expect(try store.loadPushedAlerts() == [alert])
        try store.savePushedAlerts([], removing: [alert.fingerprint])
        #expect(try store.loadPushedAlerts().isEmpty)
    }

    /// The memory SQLite adds: resident size before opening, after opening, and after committing
    /// 1,000 alert instances (and SQLite's own count of its allocations).
    @Test func memoryAddedBySQLite() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The instances are built first, so the figures hold what SQLite adds, not the Swift values.
        var changes: [RuleStateKey: [AlertInstance]] = [:]
        for rule in 0..<100 {
            let key = RuleStateKey(file: "rules/node.yml", group: "node", rule: "Rule\(rule)", ordinal: 0, definitionHash: "h")
            changes[key] = (0..<10).map { Self.firing("host-\(rule)-\($0).example:9100") }
        }
        let before = Self.residentBytes()
        let store = AlertStateStore.open(path: dir.path + "/state.db", logger: CapturedLog().logger)
        let opened = Self.residentBytes()
        let start = Date()
        try store.commit(changes)
        let commitSeconds = Date().timeIntervalSince(start)
        let committed = Self.residentBytes()
        #expect(try store.load().values.map(\.count).reduce(0, +) == 1000)
        let cache = store.cacheUsedBytes
        print("sqlite memory: rss before open \(before / 1024) KiB, after open +\((opened - before) / 1024) KiB, after 1,000-alert commit +\((committed - before) / 1024) KiB; page cache \(cache / 1024) KiB; sqlite3_memory_used (process) \(SQLiteDatabase.memoryUsed / 1024) KiB; commit took \(Int(commitSeconds * 1000)) ms")
        // The page cache holds the 1,000 rows' pages but stays within PRAGMA cache_size (plus page headers).
        #expect(cache > 0)
        #expect(cache <= AlertStateStore.cacheSizeKiB * 1024 * 11 / 10)
    }

    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
