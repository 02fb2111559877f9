import CSQLite

/// Fast paths for statements run once per row of a large file or table scan: no ``SQLiteValue``
/// boxing, no per-call result checks beyond SQLite's own code.
extension Statement {
    /// Binds a double without going through ``SQLiteValue``.
    public func bind(_ value: Double, at index: Int32) throws {
        try database.check(sqlite3_bind_double(handle, index, value), sql: sql)
    }

    /// Binds SQL NULL.
    public func bindNullFast(at index: Int32) throws {
        try database.check(sqlite3_bind_null(handle, index), sql: sql)
    }

    /// Binds bytes as a blob, copying them.
    public func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        let rc = sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), SQLITE_TRANSIENT)
        try database.check(rc, sql: sql)
    }

    /// Runs an INSERT/UPDATE/DELETE whose parameters are bound, then resets it (keeping nothing bound).
    ///
    /// - Returns: the number of rows it changed (0 for an `INSERT OR IGNORE` that hit an existing key).
    @discardableResult
    public func executeBound() throws -> Int {
        let rc = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            throw SQLiteError(code: rc, message: database.lastErrorMessage, sql: sql)
        }
        return Int(sqlite3_changes(database.handle))
    }

    /// Calls `body` with the column's UTF-8 text bytes (valid only inside `body`).
    public func withTextBytes<T>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_text(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    /// Calls `body` with the column's blob bytes (valid only inside `body`).
    public func withBlobBytes<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }
}
