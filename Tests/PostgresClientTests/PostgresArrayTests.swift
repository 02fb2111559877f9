import FeatureStoreCore
import PostgresClient
import PostgresTestSupport
import Testing

/// Array parameters in binary form: every element comes back as it went in, NULLs included, and a
/// malformed one (text that is not UTF-8) is the server's clear error, not a wedged connection.
@Suite struct PostgresArrayTests {
    @Test func arraysUnnestToWhatWasAppended() async throws {
        try await withPostgresServer { server in
            let session = PostgresSession(settings: server.settings(), password: server.password)
            defer { session.close() }
            let integers: [Int64?] = [.min, nil, .max, 0, -1]
            let reals: [Double?] = [-0.0, .infinity, nil, .leastNonzeroMagnitude, .nan]
            let texts: [String?] = ["", nil, "ünïcødé 🚀", "tab\tline\nbreak", "'\"\\"]
            let bytes: [[UInt8]?] = [[], [0, 255], nil, Array(0...255), [0]]
            var bigint = PostgresArray(.bigint)
            var double = PostgresArray(.doublePrecision)
            var text = PostgresArray(.text)
            var bytea = PostgresArray(.bytea)
            for index in 0..<5 {
                if let value = integers[index] { bigint.append(value) } else { bigint.appendNull() }
                if let value = reals[index] { double.append(value) } else { double.appendNull() }
                if var value = texts[index] {
                    value.withUTF8 { text.append(bytes: UnsafeRawBufferPointer($0)) }
                } else {
                    text.appendNull()
                }
                if let value = bytes[index] {
                    value.withUnsafeBytes { bytea.append(bytes: $0) }
                } else {
                    bytea.appendNull()
                }
            }
            #expect(bigint.count == 5)
            let rows = try session.query(
                "SELECT * FROM unnest($1::bigint[], $2::double precision[], $3::text[], $4::bytea[]) WITH ORDINALITY AS u(i, r, s, b, n) ORDER BY n",
                [.array(bigint), .array(double), .array(text), .array(bytea)])
            #expect(rows.count == 5)
            for (index, row) in rows.enumerated() {
                #expect(try row.value(0) == (integers[index].map { .integer($0) } ?? .null), "row \(index)")
                switch (try row.value(1), reals[index]) {
                case (.null, nil): break
                case (.real(let stored), let value?):
                    #expect(stored.bitPattern == value.bitPattern || (stored.isNaN && value.isNaN), "row \(index)")
                default: Issue.record("row \(index): \(try row.value(1)) for \(String(describing: reals[index]))")
                }
                #expect(try row.optionalText(2) == texts[index], "row \(index)")
                #expect(try row.value(3) == (bytes[index].map { .blob($0) } ?? .null), "row \(index)")
            }
            let empty = try session.query("SELECT cardinality($1::bigint[])", [.array(PostgresArray(.bigint))])
            #expect(try empty.first?.int64(0) == 0)
            // Invalid UTF-8 is refused by the server, and the connection goes on.
            var invalid = PostgresArray(.text)
            ([0xC3, 0x28] as [UInt8]).withUnsafeBytes { invalid.append(bytes: $0) }
            #expect(throws: FeatureStoreError.self) {
                try session.query("SELECT cardinality($1::text[])", [.array(invalid)])
            }
            #expect(try session.query("SELECT 1").first?.int64(0) == 1)
        }
    }
}
