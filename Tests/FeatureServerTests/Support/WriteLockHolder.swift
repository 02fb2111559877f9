import SQLite

/// Holds a SQLite file's write lock (`BEGIN IMMEDIATE`, as `fs ingest` does while it writes) until
/// released: a writer of the same file then waits, up to SQLite's busy timeout (10 s).
final class WriteLockHolder: @unchecked Sendable {
    private let database: Database

    init(path: String) throws {
        database = try Database(path: path)
        try database.execute("BEGIN IMMEDIATE")
    }

    func release() throws { try database.execute("COMMIT") }
}
