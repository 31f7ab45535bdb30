import CSQLite

/// An error from SQLite: its result code, its own message (`sqlite3_errmsg`) and what we were
/// doing (the SQL statement or the operation), e.g. `open /var/lib/x.db: unable to open database file`.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The (extended) SQLite result code, e.g. 26 for `SQLITE_NOTADB`, 11 for `SQLITE_CORRUPT`.
    public var code: Int32
    /// SQLite's message for the failure.
    public var message: String
    /// The statement or operation that failed.
    public var context: String

    public var description: String { "\(context): \(message)" }

    /// The primary result code (`code & 0xff`).
    public var primaryCode: Int32 { code & 0xff }
}

/// One SQLite connection: a small typed wrapper over the C API (open, exec, prepared statements,
/// transactions). Not thread-safe on its own (opened with `SQLITE_OPEN_NOMUTEX`): its owner
/// serializes access (``AlertStateStore`` does it with a mutex).
public final class SQLiteDatabase {
    let handle: OpaquePointer
    /// The path it was opened with (`:memory:` for an in-memory database).
    public let path: String

    /// Opens (and, with `create`, creates) the database at `path`.
    /// - Throws: ``SQLiteError`` with SQLite's message when the file cannot be opened.
    public init(path: String, create: Bool = true, readOnly: Bool = false) throws(SQLiteError) {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE)
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: status, message: message, context: "open \(path)")
        }
        sqlite3_extended_result_codes(db, 1)
        // A busy file (another process holding a write lock) is waited for, not failed at once.
        sqlite3_busy_timeout(db, 2000)
        self.handle = db
        self.path = path
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows we need (DDL, PRAGMAs that set).
    /// - Throws: ``SQLiteError`` naming the SQL.
    public func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if status != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: status, message: message, context: sql)
        }
    }

    /// Compiles one statement.
    /// - Throws: ``SQLiteError`` naming the SQL (a syntax error, a missing table, a corrupt file).
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw error(status, sql)
        }
        return SQLiteStatement(database: self, handle: statement, sql: sql)
    }

    /// The rows of a query, each as its columns' text (NULL as nil); for PRAGMAs and checks.
    public func textRows(_ sql: String) throws(SQLiteError) -> [[String?]] {
        let statement = try prepare(sql)
        var rows: [[String?]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.text($0) })
        }
        return rows
    }

    /// The first column of the first row as an integer (0 when there is no row).
    public func integer(_ sql: String) throws(SQLiteError) -> Int64 {
        let statement = try prepare(sql)
        return try statement.step() ? statement.int64(0) : 0
    }

    /// The first column of the first row as text (nil when there is no row or it is NULL).
    public func text(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.text(0) : nil
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; any error rolls everything back and is rethrown.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Rows changed since the connection was opened.
    public var totalChanges: Int { Int(sqlite3_total_changes(handle)) }

    /// Bytes this connection's page cache holds (`SQLITE_DBSTATUS_CACHE_USED`).
    public var cacheUsedBytes: Int {
        var current: Int32 = 0, highwater: Int32 = 0
        sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_USED, &current, &highwater, 0)
        return Int(current)
    }

    /// Bytes SQLite has allocated in this process (all connections), `sqlite3_memory_used`.
    public static var memoryUsed: Int64 { sqlite3_memory_used() }

    /// The library's version, e.g. `3.40.1`.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    func error(_ status: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: status, message: String(cString: sqlite3_errmsg(handle)), context: context)
    }
}

/// A value to bind to a statement parameter.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// A prepared statement: bind parameters (1-based, as SQLite counts), step through rows, read
/// columns (0-based). Finalized when released.
public final class SQLiteStatement {
    private let database: SQLiteDatabase
    private let handle: OpaquePointer
    /// The statement's SQL, for error messages.
    public let sql: String

    init(database: SQLiteDatabase, handle: OpaquePointer, sql: String) {
        self.database = database
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// SQLite's `SQLITE_TRANSIENT`: it copies the bytes before `bind` returns (a C macro Swift cannot import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds `value` to parameter `index` (1-based).
    public func bind(_ index: Int32, _ value: SQLiteValue) throws(SQLiteError) {
        let status: Int32 = switch value {
        case .null: sqlite3_bind_null(handle, index)
        case let .integer(number): sqlite3_bind_int64(handle, index, number)
        case let .real(number): sqlite3_bind_double(handle, index, number)
        case let .text(text): sqlite3_bind_text(handle, index, text, -1, Self.transient)
        }
        guard status == SQLITE_OK else { throw database.error(status, "bind \(index) of \(sql)") }
    }

    /// Binds every value in order, starting at parameter 1.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() { try bind(Int32(offset + 1), value) }
    }

    /// Advances: true when a row is available, false when the statement is done.
    /// - Throws: ``SQLiteError`` (a constraint violation, a corrupt page, a full disk).
    public func step() throws(SQLiteError) -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(status, sql)
        }
    }

    /// Steps until done (for statements that return no rows).
    public func run() throws(SQLiteError) {
        while try step() {}
    }

    /// Resets the statement and clears its bindings, ready to bind and step again.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Number of result columns.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// The column's text (nil for NULL).
    public func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: bytes)
    }

    /// The column as a Double, nil for NULL.
    public func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
}
