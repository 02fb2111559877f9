import FeatureStoreCore
import Foundation
import SQLite
import Testing

@testable import OfflineStoreSQLite

/// Every record of a file read by the reader under test: the fields' texts (nil for null), or the
/// errors by line, reading on after each.
private func read(
    _ text: [UInt8], jsonColumns: [String]? = nil, json: Bool = false, lineLimit: Int = RecordLimits.maxLineBytes
) -> (columns: [String], records: [[String?]], errors: [(line: Int, message: String)]) {
    text.withUnsafeBufferPointer { buffer in
        var records: [[String?]] = []
        var errors: [(Int, String)] = []
        var fields: [FieldRef] = []
        func drain<R: RecordReader>(_ reader: inout R) {
            while true {
                do {
                    guard try reader.next(into: &fields) else { break }
                    records.append(fields.map { $0.isNull ? nil : $0.string(in: buffer) })
                } catch {
                    errors.append((error.line, error.message))
                }
            }
        }
        do {
            if json {
                var reader = try JSONLReader(bytes: buffer, columns: jsonColumns, lineLimit: lineLimit)
                drain(&reader)
                return (reader.columns, records, errors)
            }
            var reader = try CSVReader(bytes: buffer, lineLimit: lineLimit)
            drain(&reader)
            return (reader.columns, records, errors)
        } catch let error as RecordSyntaxError {
            return ([], [], [(error.line, error.message)])
        } catch {
            return ([], [], [(0, "unexpected \(error)")])
        }
    }
}

private func read(_ text: String, jsonColumns: [String]? = nil, json: Bool = false, lineLimit: Int = 1 << 26)
    -> (columns: [String], records: [[String?]], errors: [(line: Int, message: String)])
{
    read(Array(text.utf8), jsonColumns: jsonColumns, json: json, lineLimit: lineLimit)
}

@Suite struct CSVReaderTests {
    @Test func quotedEmptyIsTheEmptyStringAndUnquotedEmptyIsNull() {
        let result = read("a,b,c\n,\"\",x\n")
        #expect(result.records == [[nil, "", "x"]])
    }

    @Test func aRecordPastTheLineLimitIsAnErrorAndReadingGoesOn() {
        let result = read("a,b\n1,22222222222222\n1,333333333333333\n\"4\n4\",5\n", lineLimit: 16)
        #expect(result.records == [["1", "22222222222222"], ["4\n4", "5"]])
        #expect(result.errors.map(\.line) == [3])
        #expect(result.errors.first?.message.contains("longer than 16 bytes") == true)
        // A quoted record spanning lines counts whole (reading goes on at the line after its first,
        // as after any malformed record).
        let quoted = read("a,b\n\"1\n2\n3\n4\n5\n6\n7\n8\n9\",x\n", lineLimit: 16)
        #expect(quoted.errors.first?.line == 2)
        #expect(quoted.errors.first?.message.contains("longer than") == true)
        // So does an unclosed quote running to the end of a long file.
        let unclosed = read("a,b\n\"" + String(repeating: "y", count: 100) + "\n", lineLimit: 16)
        #expect(unclosed.errors.first?.message.contains("longer than") == true)
        // A header past the limit stops the file at line 1.
        let header = read(String(repeating: "h", count: 17) + "\n1\n", lineLimit: 16)
        #expect(header.errors.map(\.line) == [1])
        #expect(header.errors.first?.message.contains("longer than 16 bytes") == true)
        // Exactly at the limit is fine, with either line ending.
        #expect(read("a\n" + String(repeating: "z", count: 16) + "\r\n", lineLimit: 16).records.count == 1)
        #expect(read("a\n" + String(repeating: "z", count: 16), lineLimit: 16).records.count == 1)
    }
}

extension CSVReaderTests {
    /// Each record's line and fields, or its line and error, reading the body whole or in the two
    /// halves ingest reads a large file in.
    private func records(_ bytes: [UInt8], halves: Bool) throws -> [String] {
        try bytes.withUnsafeBufferPointer { buffer in
            let header = try CSVReader(bytes: buffer)
            var out: [String] = []
            var fields: [FieldRef] = []
            func drain(_ reader: inout CSVReader) {
                while true {
                    do {
                        guard try reader.next(into: &fields) else { return }
                        out.append("\(reader.line): \(fields.map { $0.string(in: buffer) ?? "null" })")
                    } catch {
                        out.append("\(error.line): \(error.message)")
                    }
                }
            }
            guard halves else {
                var whole = header
                drain(&whole)
                return out
            }
            for half in header.bodyHalves {
                var reader = CSVReader(
                    bytes: buffer, columns: header.columns, range: half.range, firstLine: half.firstLine)
                drain(&reader)
            }
            return out
        }
    }

    /// Found by `scripts/fuzz csv`: the halves of a large file numbered their lines from the line
    /// the header starts on, so after a header with a quoted line break every line an error named
    /// was off by the header's extra lines.
    @Test(arguments: [
        Array("\"a\nb\",c\n1,2\n\n3\n4,5\n6\n".utf8),
        [0x22, 0x22, 0x22, 0x0A, 0x0A, 0x62, 0x0D, 0xD2, 0x0D, 0x0D, 0x22, 0x0A, 0x0A, 0x62, 0x0D, 0xD2, 0x0D, 0x0D],
    ])
    func theHalvesOfABodyNumberLinesAsTheWholeDoes(bytes: [UInt8]) throws {
        let whole = try records(bytes, halves: false)
        #expect(try records(bytes, halves: true) == whole)
        #expect(!whole.isEmpty)
    }
}

@Suite struct JSONLReaderTests {
    @Test func aByteOrderMarkAtTheStartIsSkipped() {
        let result = read([0xEF, 0xBB, 0xBF] + Array("{\"a\": 1}\n{\"a\": 2}\n".utf8), json: true)
        #expect(result.columns == ["a"])
        #expect(result.records == [["1"], ["2"]])
        #expect(result.errors.isEmpty)
        // Anywhere else, it is not JSON.
        let inside = read(Array("{\"a\": 1}\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("{\"a\": 2}\n".utf8), json: true)
        #expect(inside.errors.map(\.line) == [2])
    }

    @Test func validEscapesAreDecoded() {
        let result = read(#"{"s": "q\" b\\ s\/ \b\f\n\r\t \u00e9 \ud83d\ude00 \u0041"}"#, json: true)
        #expect(result.records == [["q\" b\\ s/ \u{8}\u{c}\n\r\t é 😀 A"]])
    }

    @Test(arguments: [
        (#"{"s": "a\x"}"#, "invalid escape '\\x'"),
        (#"{"s": "a\u12"}"#, "4 hexadecimal digits"),
        (#"{"s": "a\u12G4"}"#, "4 hexadecimal digits"),
        (#"{"s": "a\ud800"}"#, "lone high surrogate"),
        (#"{"s": "a\ud800\u0041"}"#, "lone high surrogate"),
        (#"{"s": "a\udc00"}"#, "lone low surrogate"),
        (#"{"s": "a\'"}"#, "invalid escape"),
        (#"{"s": "a\"#, "backslash ends the line"),
    ])
    func invalidEscapesAreErrorsNamingTheLine(line: String, reason: String) {
        let result = read("{\"s\": \"ok\"}\n" + line + "\n{\"s\": \"fine\"}\n", json: true)
        #expect(result.records == [["ok"], ["fine"]])
        #expect(result.errors.map(\.line) == [2])
        #expect(result.errors.first?.message.contains(reason) == true, "\(result.errors)")
    }

    @Test func aKeyGivenTwiceIsAnErrorNamingTheLineAndKey() {
        let columns = ["a", "b"]
        for line in [
            #"{"a": 1, "b": 2, "a": 3}"#, #"{"a": null, "a": 1}"#, #"{"x": 1, "x": 2}"#, #"{"a": 1, "\u0061": 2}"#,
            #"{"\u0078": 1, "x": 2}"#, #"{"x": 1, "\u0078": 2}"#,
        ] {
            let result = read("{\"a\": 0}\n" + line + "\n", jsonColumns: columns, json: true)
            #expect(result.errors.map(\.line) == [2], "\(line)")
            #expect(result.errors.first?.message.contains("appears twice") == true, "\(line)")
            #expect(
                result.errors.first.map {
                    $0.message.contains("'a'") || $0.message.contains("'x'") || $0.message.contains("\\u00")
                } == true, "\(line)")
        }
        // Many keys that are not columns: still found, and no false alarm.
        let many = (0..<100).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        #expect(read("{\(many)}\n", jsonColumns: columns, json: true).errors.isEmpty)
        #expect(read("{\(many), \"k99\": 0}\n", jsonColumns: columns, json: true).errors.map(\.line) == [1])
        #expect(read("{\(many), \"k7\": 0}\n", jsonColumns: columns, json: true).errors.map(\.line) == [1])
        // Learning the columns from the first object (a spine) too.
        #expect(read("{\"a\": 1, \"a\": 2}\n", json: true).errors.map(\.line) == [1])
        // Raw and mapped names are two keys.
        #expect(read(#"{"a": 1, "b": 2}"#, jsonColumns: columns, json: true).errors.isEmpty)
    }

    @Test func aLinePastTheLimitIsAnErrorAndReadingGoesOn() {
        let result = read(
            "{\"a\": 1}\n{\"a\": \"\(String(repeating: "x", count: 64))\"}\n{\"a\": 3}\n", jsonColumns: ["a"],
            json: true, lineLimit: 32)
        #expect(result.records == [["1"], ["3"]])
        #expect(result.errors.map(\.line) == [2])
        #expect(result.errors.first?.message.contains("longer than 32 bytes") == true)
    }

    @Test func emptyStringsAreNotNull() {
        #expect(read(#"{"a": "", "b": null}"#, jsonColumns: ["a", "b"], json: true).records == [["", nil]])
    }

    /// Found by `scripts/fuzz jsonl`: anything starting with a digit or '-' was read as a number,
    /// so `{"name": 1x2}` stored the text "1x2" in a string column and `01` or `1.` were numbers.
    @Test(arguments: ["1x2", "01", "-01", "-", "1.", ".5", "+1", "1e", "1e+", "1.2.3", "0x10", "--1", "1.e5", "-a"])
    func aValueThatIsNotAJSONNumberIsAnErrorNamingTheLine(value: String) {
        let result = read("{\"a\": 1}\n{\"a\": \(value)}\n{\"a\": 3}\n", jsonColumns: ["a"], json: true)
        #expect(result.records == [["1"], ["3"]])
        #expect(result.errors.map(\.line) == [2])
        #expect(result.errors.first?.message.contains("is not a JSON value") == true, "\(result.errors)")
        #expect(result.errors.first?.message.contains("(at character 7)") == true, "\(result.errors)")
    }

    @Test(arguments: ["0", "-0", "7", "-12", "0.5", "-0.0", "1e3", "1E+3", "2.5e-3", "true", "false"])
    func jsonNumbersAndBooleansAreRead(value: String) {
        let result = read("{\"a\": \(value)}\n", jsonColumns: ["a"], json: true)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.records == [[value]])
    }
}

/// A source with every value type, for ingest tests.
private struct TypedFixture {
    let directory = TestDirectory("typed")
    let store: OfflineStore
    let table: HistoryTable

    init(format: TimestampFormat = .iso8601) throws {
        let source = Source(
            name: "typed", kind: .csv, path: "typed.csv", timestampField: "ts",
            schema: [
                Field(name: "k", type: .int64), Field(name: "ts", type: .timestamp), Field(name: "s", type: .string),
                Field(name: "b", type: .bytes), Field(name: "f", type: .float64), Field(name: "i", type: .int64),
                Field(name: "t", type: .timestamp),
            ], timestampFormat: format)
        let definitions = RepoDefinitions(
            entities: [Entity(name: "e", joinKeys: [JoinKey(name: "k", valueType: .int64)])], sources: [source],
            featureViews: [
                FeatureView(
                    name: "typed_view", entities: ["e"], source: "typed", features: [Feature(name: "f", type: .float64)]
                )
            ])
        table = HistoryTable(source: source, generation: 1, definitions: definitions)
        store = try directory.store()
        try store.prepare([table])
    }

    @discardableResult
    func ingest(_ name: String, _ bytes: [UInt8], format: TabularFormat = .csv) throws -> IngestResult {
        let path = directory.file(name)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return try store.ingest(file: path, format: format, into: table)
    }

    /// The message of an ingest that must fail.
    func failure(_ name: String, _ text: String, format: TabularFormat = .csv) -> String {
        failure(name, Array(text.utf8), format: format)
    }

    func failure(_ name: String, _ bytes: [UInt8], format: TabularFormat = .csv) -> String {
        do {
            try ingest(name, bytes, format: format)
            return "no error"
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidInput)
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    /// Stored rows: s, b (as hex or null), f, i.
    func rows() throws -> [[String]] {
        let database = try Database(path: directory.file("offline.db"))
        let statement = try database.prepare(
            "SELECT quote(s), quote(b), quote(f), quote(i), t FROM \(quoteIdentifier(table.name)) ORDER BY k")
        var rows: [[String]] = []
        while try statement.step() { rows.append((0..<5).map { statement.isNull($0) ? "NULL" : statement.text($0) }) }
        return rows
    }

    static let header = "k,ts,s,b,f,i,t\n"
}

@Suite struct FileIngestTests {
    /// Point 12: a quoted empty field was null. It is the empty string for string and bytes
    /// columns, and null for the others; an unquoted empty field stays null.
    @Test func quotedEmptyIsTheEmptyStringForTextColumns() throws {
        let fixture = try TypedFixture()
        try fixture.ingest(
            "e.csv",
            Array(
                (TypedFixture.header + "1,2026-01-01T00:00:00Z,\"\",\"\",\"\",\"\",\"\"\n2,2026-01-01T00:00:00Z,,,,,\n")
                    .utf8))
        #expect(
            try fixture.rows() == [["''", "X''", "NULL", "NULL", "NULL"], ["NULL", "NULL", "NULL", "NULL", "NULL"]])
        try fixture.ingest(
            "e.jsonl", Array(#"{"k": 3, "ts": "2026-01-01T00:00:00Z", "s": "", "b": "", "f": "", "i": null}"#.utf8),
            format: .jsonl)
        #expect(try fixture.rows()[2] == ["''", "X''", "NULL", "NULL", "NULL"])
        // A quoted empty key is still an empty key.
        #expect(
            fixture.failure("k.csv", TypedFixture.header + "\"\",2026-01-01T00:00:00Z,,,,,\n").contains(
                "every row needs its entity key"))
    }

    /// Finding 5: `1e999`, `inf`, `nan` were accepted (as infinities that became NaN in sums).
    @Test(arguments: ["1e999", "-1e400", "inf", "-inf", "nan", "NaN", "Infinity", "-Infinity", "0x1p3"])
    func nonFiniteNumbersAreRefusedInCSV(value: String) throws {
        let fixture = try TypedFixture()
        let message = fixture.failure(
            "n.csv", TypedFixture.header + "1,2026-01-01T00:00:00Z,a,,0.5,1,\n1,2026-01-01T01:00:00Z,a,,\(value),1,\n")
        #expect(message.contains("n.csv:3: column 'f': '\(value)' is not a valid float64"), "\(message)")
        if value.contains("e") && !value.contains("n") {
            #expect(message.contains("too large for a 64-bit float"), "\(message)")
        } else if !value.hasPrefix("0x") {
            #expect(message.contains("infinities and NaN are refused"), "\(message)")
        }
        #expect(try fixture.rows().isEmpty)
    }

    @Test(arguments: [#"1e999"#, #"-1e999"#, #""inf""#, #""nan""#, #""Infinity""#, #"1E+400"#])
    func nonFiniteNumbersAreRefusedInJSONLines(value: String) throws {
        let fixture = try TypedFixture()
        let message = fixture.failure(
            "n.jsonl",
            "{\"k\": 1, \"ts\": \"2026-01-01T00:00:00Z\", \"f\": 1}\n{\"k\": 1, \"ts\": \"2026-01-01T00:00:01Z\", \"f\": \(value)}\n",
            format: .jsonl)
        let shown = value.replacingOccurrences(of: "\"", with: "")
        #expect(message.contains("n.jsonl:2: column 'f': '\(shown)' is not a valid float64"), "\(message)")
    }

    /// Point 12: invalid UTF-8 in a string field was stored as is.
    @Test func invalidUTF8InAStringFieldIsAnErrorNamingLineAndColumn() throws {
        let fixture = try TypedFixture()
        let csv = Array((TypedFixture.header + "1,2026-01-01T00:00:00Z,a").utf8) + [0xC3, 0x28] + Array(",,,,\n".utf8)
        let message = fixture.failure("u.csv", csv)
        #expect(
            message.contains("u.csv:2: column 's': 'a\\xC3(' is not a valid string; it is not valid UTF-8"),
            "\(message)")
        let json =
            Array(#"{"k": 1, "ts": "2026-01-01T00:00:00Z", "s": "x"#.utf8) + [0xED, 0xA0, 0x80] + Array("\"}\n".utf8)
        let jsonMessage = fixture.failure("u.jsonl", json, format: .jsonl)
        #expect(jsonMessage.contains("u.jsonl:1: column 's'"), "\(jsonMessage)")
        #expect(jsonMessage.contains("not valid UTF-8"), "\(jsonMessage)")
        // Valid multi-byte text is fine.
        try fixture.ingest("ok.csv", Array((TypedFixture.header + "1,2026-01-01T00:00:00Z,caf\u{e9} 😀,,,,\n").utf8))
        #expect(try fixture.rows()[0][0] == "'caf\u{e9} 😀'")
    }

    /// Strict entity keys: integers in range only, nothing rounded, clamped or wrapped.
    @Test func int64KeysAndValuesAreWholeNumbersInRange() throws {
        let fixture = try TypedFixture()
        try fixture.ingest(
            "ok.csv",
            Array(
                (TypedFixture.header
                    + "9223372036854775807,2026-01-01T00:00:00Z,,,,-9223372036854775808,\n+7,2026-01-01T00:00:00Z,,,,007,\n")
                    .utf8))
        #expect(try fixture.rows().map { $0[3] } == ["7", "-9223372036854775808"])
        for (value, reason) in [
            ("9223372036854775808", "out of range"), ("-9223372036854775809", "out of range"),
            ("99999999999999999999999", "out of range"), ("1.0", "not written as an integer"),
            ("1e2", "not written as an integer"), ("1.5", "not written as an integer"), (" 1", "expected an integer"),
            ("0x10", "expected an integer"), ("", "every row needs its entity key"),
        ] {
            let message = fixture.failure("k.csv", TypedFixture.header + "\(value),2026-01-01T00:00:00Z,,,,,\n")
            #expect(message.contains("k.csv:2: column 'k'"), "\(value): \(message)")
            #expect(message.contains(reason), "\(value): \(message)")
            let valueMessage = fixture.failure("i.csv", TypedFixture.header + "1,2026-01-01T00:00:00Z,,,,\(value),\n")
            if !value.isEmpty { #expect(valueMessage.contains(reason), "\(value): \(valueMessage)") }
        }
        for literal in ["1.0", "1e2", "-9223372036854775809", "true"] {
            let message = fixture.failure(
                "k.jsonl", "{\"k\": \(literal), \"ts\": \"2026-01-01T00:00:00Z\"}\n", format: .jsonl)
            #expect(message.contains("k.jsonl:1: column 'k': '\(literal)' is not a valid int64"), "\(message)")
        }
    }

    @Test func bytesAreStrictBase64() throws {
        let fixture = try TypedFixture()
        for value in ["A", "QQ=x", "QR==", "a b"] {
            let message = fixture.failure("b.csv", TypedFixture.header + "1,2026-01-01T00:00:00Z,,\(value),,,\n")
            #expect(message.contains("b.csv:2: column 'b': '\(value)' is not a valid bytes"), "\(message)")
        }
        try fixture.ingest(
            "b.csv",
            Array((TypedFixture.header + "1,2026-01-01T00:00:00Z,,aGk=,,,\n2,2026-01-01T00:00:00Z,,aGk,,,\n").utf8))
        #expect(try fixture.rows().map { $0[1] } == ["X'6869'", "X'6869'"])
    }

    /// One parser for every timestamp in a file: fractions to the microsecond (more is an error,
    /// never a floor), offsets, years 0001-9999, epoch values in range.
    @Test func timestampsKeepTheirMicrosecondsAndRange() throws {
        let fixture = try TypedFixture()
        try fixture.ingest(
            "t.csv",
            Array(
                (TypedFixture.header
                    + "1,2026-01-01T00:00:00Z,,,,,2026-01-01T05:00:00.123456-05:00\n2,2026-01-01T00:00:00Z,,,,,9999-12-31T23:59:59.999999Z\n")
                    .utf8))
        #expect(try fixture.rows().map { $0[4] } == ["1767261600123456", "253402300799999999"])
        for (value, reason) in [
            ("2026-01-01T00:00:00.1234567Z", "more precise than a microsecond"),
            ("10000-01-01T00:00:00Z", "year is out of range"),
            ("2026-01-01T00:00:00", "no zone"),
            ("0001-01-01T00:00:00+01:00", "before 0001-01-01T00:00:00Z"),
        ] {
            let message = fixture.failure("t.csv", TypedFixture.header + "1,\(value),,,,,\n")
            #expect(
                message.contains("t.csv:2: column 'ts': '\(value)' is not a valid timestamp; \(reason)")
                    || message.contains(reason), "\(message)")
            #expect(message.contains("column 'ts'"), "\(message)")
        }
        let seconds = try TypedFixture(format: .epochSeconds)
        let message = seconds.failure("s.csv", TypedFixture.header + "1,1767225600000,,,,,\n")
        #expect(message.contains("s.csv:2: column 'ts': '1767225600000'"), "\(message)")
        #expect(message.contains("set the source's timestamp_format to epoch_ms"), "\(message)")
        try seconds.ingest("s.csv", Array((TypedFixture.header + "1,1767225600.5,,,,,1767225600.000001\n").utf8))
        #expect(try seconds.rows().map { $0[4] } == ["1767225600000001"])
        let micros = try TypedFixture(format: .epochMicroseconds)
        try micros.ingest(
            "u.jsonl", Array(#"{"k": 1, "ts": 1767225600000001, "t": "1767225600000002"}"#.utf8), format: .jsonl)
        #expect(try micros.rows().map { $0[4] } == ["1767225600000002"])
    }

    /// Finding 11: messages quote at most a few hundred bytes of a value or a header.
    @Test func messagesQuoteLittleOfHugeValuesAndHeaders() throws {
        let fixture = try TypedFixture()
        let huge = String(repeating: "9", count: 1_000_000) + "x"
        let message = fixture.failure("h.csv", TypedFixture.header + "1,2026-01-01T00:00:00Z,,,\(huge),,\n")
        #expect(message.contains("h.csv:2: column 'f': '999"), "\(message.prefix(300))")
        #expect(message.contains("(1000001 bytes)"))
        #expect(message.utf8.count < 1_000, "\(message.utf8.count) bytes")
        let header = String(repeating: "c", count: 10_000_000) + ",k\n1\n"
        let headerMessage = fixture.failure("header.csv", header)
        #expect(headerMessage.contains("header.csv:1: missing column 'ts'"), "\(headerMessage.prefix(300))")
        #expect(headerMessage.utf8.count < 1_000, "\(headerMessage.utf8.count) bytes")
        let columns = (0..<200_000).map { "column\($0)" }.joined(separator: ",") + "\n"
        let manyMessage = fixture.failure("many.csv", columns)
        #expect(manyMessage.contains("more"), "\(manyMessage.prefix(300))")
        #expect(manyMessage.utf8.count < 1_000, "\(manyMessage.utf8.count) bytes")
        let jsonHuge = fixture.failure(
            "h.jsonl",
            "{\"k\": 1, \"ts\": \"2026-01-01T00:00:00Z\", \"s\": nope\(String(repeating: "x", count: 1_000_000))}\n",
            format: .jsonl)
        #expect(jsonHuge.contains("h.jsonl:1:"), "\(jsonHuge.prefix(300))")
        #expect(jsonHuge.utf8.count < 1_000, "\(jsonHuge.utf8.count) bytes")
    }

    /// Finding 11: a line longer than 64 MiB is an error naming the line (here a file with no line
    /// break at all, and a CSV whose second record is too long).
    @Test func aLineLongerThan64MiBIsAnError() throws {
        let fixture = try TypedFixture()
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: RecordLimits.maxLineBytes + 1)
        let noBreak = fixture.failure("big.csv", long)
        #expect(noBreak.contains("big.csv:1: the line is longer than 64 MiB"), "\(noBreak.prefix(300))")
        #expect(noBreak.utf8.count < 1_000)
        let record = fixture.failure(
            "rec.csv", Array(TypedFixture.header.utf8) + Array("1,2026-01-01T00:00:00Z,".utf8) + long + [10])
        #expect(record.contains("rec.csv:2: the line is longer than 64 MiB"), "\(record.prefix(300))")
        let json = fixture.failure(
            "big.jsonl", Array("{\"k\": 1, \"ts\": \"2026-01-01T00:00:00Z\"}\n".utf8) + long, format: .jsonl)
        #expect(json.contains("big.jsonl:2: the line is longer than 64 MiB"), "\(json.prefix(300))")
    }
}
