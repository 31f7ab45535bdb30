/// One step of the state file's schema. Steps run in `version` order, each in its own
/// transaction that also sets `PRAGMA user_version` to its version, so a crash between steps
/// leaves a file at a well-defined version.
public struct StoreMigration: Sendable {
    /// The `user_version` the file has after this step (1, 2, 3, … without gaps).
    public let version: Int
    /// What it adds, for the log.
    public let summary: String
    /// The statements (DDL; several separated by `;`).
    public let sql: String

    public init(version: Int, summary: String, sql: String) {
        self.version = version
        self.summary = summary
        self.sql = sql
    }
}

/// The state file's identity and schema history. Later features (notification log, silences,
/// outbox, history) append a migration here; they never edit an old one, because files in the
/// field already ran it.
public enum StoreSchema {
    /// `PRAGMA application_id` of our files: "AML1" in ASCII. A SQLite file with another id (or
    /// with tables and no id) belongs to another program and is never written to.
    public static let applicationID: Int32 = 0x414D_4C31

    /// Every migration, oldest first.
    public static let migrations: [StoreMigration] = [
        StoreMigration(version: 1, summary: "rule alert instances", sql: """
            CREATE TABLE rule_alerts (
                rule_file TEXT NOT NULL,
                rule_group TEXT NOT NULL,
                rule_name TEXT NOT NULL,
                rule_ordinal INTEGER NOT NULL,
                definition_hash TEXT NOT NULL,
                labels TEXT NOT NULL,            -- JSON object, keys sorted: part of the identity
                annotations TEXT NOT NULL,       -- JSON object
                state TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing')),
                value REAL,                      -- NULL stands for NaN (SQLite stores NaN as NULL)
                active_at REAL NOT NULL,         -- Unix seconds
                fired_at REAL,
                resolved_at REAL,
                keep_firing_since REAL,
                last_evaluated_at REAL NOT NULL,
                PRIMARY KEY (rule_file, rule_group, rule_name, rule_ordinal, definition_hash, labels)
            ) WITHOUT ROWID;
            """),
        StoreMigration(version: 2, summary: "alerts pushed through POST /api/v2/alerts", sql: """
            CREATE TABLE pushed_alerts (
                fingerprint TEXT PRIMARY KEY,    -- Alertmanager's label-set fingerprint, 16 hex digits
                labels TEXT NOT NULL,            -- JSON object, keys sorted
                annotations TEXT NOT NULL,       -- JSON object
                starts_at REAL NOT NULL,         -- Unix seconds
                ends_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                timeout INTEGER NOT NULL,        -- 1 when ends_at was set by resolve_timeout
                generator_url TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
    ]

    /// The newest schema version this build knows.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}
