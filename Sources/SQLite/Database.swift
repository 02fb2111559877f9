import CSQLite

/// One SQLite connection. Use it from one task at a time; it is not shared across threads.
public final class Database {
    let handle: OpaquePointer
    public let path: String

    /// Opens (and by default creates) the database at `path`, in WAL mode with a busy timeout.
    ///
    /// - Parameters:
    ///   - readOnly: open without write access.
    ///   - wal: switch the file to write-ahead logging, so readers do not block the writer.
    public init(path: String, readOnly: Bool = false, create: Bool = true, wal: Bool = true) throws {
        var db: OpaquePointer?
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
        if wal && !readOnly {
            try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        }
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// Compiles one statement.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// `immediate` takes the write lock at the start, so two writers never deadlock halfway.
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func check(_ rc: Int32, sql: String? = nil) throws {
        if rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE {
            throw SQLiteError(code: rc, message: lastErrorMessage, sql: sql)
        }
    }

    /// The single integer the query returns, or `nil` when it returns no row or null.
    public func scalarInt(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(bindings)
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }

    /// Whether a table of that name exists (in `schema`, default `main`).
    public func tableExists(_ name: String, schema: String = "main") throws -> Bool {
        let statement = try prepare("SELECT 1 FROM \(schema).sqlite_master WHERE type IN ('table','view') AND name = ?")
        try statement.bind([.text(name)])
        return try statement.step()
    }

    /// The columns of a table and their declared types, in order.
    public func columns(of table: String) throws -> [(name: String, type: String)] {
        let statement = try prepare("SELECT name, type FROM pragma_table_info(?)")
        try statement.bind([.text(table)])
        var result: [(String, String)] = []
        while try statement.step() { result.append((statement.text(0), statement.text(1))) }
        return result
    }
}

/// Quotes an identifier for SQL (`"name"`, with inner quotes doubled).
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingAll("\"", with: "\"\"") + "\""
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for char in self { if char == target { out += replacement } else { out.append(char) } }
        return out
    }
}
