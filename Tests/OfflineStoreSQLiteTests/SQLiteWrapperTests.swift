import Foundation
import SQLite
import Testing

@Suite struct SQLiteWrapperTests {
    /// Regression (issue 9, point 12): a statement held its database `unowned`, so a statement
    /// that outlived every other reference to its connection trapped when used.
    @Test func aStatementKeepsItsDatabaseOpen() throws {
        let directory = TestDirectory("sqlite")
        func makeStatement() throws -> Statement {
            let database = try Database(path: directory.file("a.db"))
            try database.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42);")
            return try database.prepare("SELECT x FROM t WHERE x = ?")
        }
        let statement = try makeStatement()
        try statement.bind([.integer(42)])  // checks the result through its database
        #expect(try statement.step())
        #expect(statement.int64(0) == 42)
    }
}
