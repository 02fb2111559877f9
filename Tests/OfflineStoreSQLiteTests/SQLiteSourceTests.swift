import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import SQLite
import Testing

/// A `sqlite` source read in place: a table `raw` (no declared column types, so SQLite stores
/// each value as given) with an int64 key `k`, a timestamp `ts` and a float64 (or `valueType`) `x`.
private struct InPlaceFixture {
    let directory = TestDirectory("in-place")
    let source: Source
    let view: FeatureView
    let store: OfflineStore

    init(
        format: TimestampFormat = .iso8601, keyType: ValueType = .int64, valueType: ValueType = .float64,
        rows: [[SQLiteValue]]
    ) throws {
        source = Source(
            name: "raw_source", kind: .sqlite, table: "raw", timestampField: "ts",
            schema: [
                Field(name: "k", type: keyType), Field(name: "ts", type: .timestamp), Field(name: "x", type: valueType),
            ],
            timestampFormat: format)
        view = FeatureView(
            name: "raw_view", entities: ["e"], source: "raw_source", features: [Feature(name: "x", type: valueType)])
        let database = try Database(path: directory.file("offline.db"))
        try database.execute("CREATE TABLE raw (k, ts, x)")
        let insert = try database.prepare("INSERT INTO raw VALUES (?, ?, ?)")
        for row in rows { try insert.run(row) }
        store = try directory.store()
    }

    var joinKeys: [JoinKey] { [JoinKey(name: "k", valueType: source.schema[0].type)] }

    /// The training set for `spine` (CSV text), as rows of cells.
    func trainingSet(_ spine: String) throws -> [[String]] {
        let spinePath = try directory.write("spine.csv", spine)
        let output = directory.file("out.csv")
        let views = [
            TrainingSetView(
                view: view, joinKeys: joinKeys, history: .inPlace(source), features: view.features, outputNames: ["x"])
        ]
        _ = try store.trainingSet(spine: spinePath, spineFormat: .csv, views: views, output: output, outputFormat: .csv)
        return parseCSV(try String(contentsOfFile: output, encoding: .utf8))
    }

    /// What materialization reads: the latest row per entity up to `to`.
    func latest(to: Timestamp) throws -> [LatestRow] {
        var rows: [LatestRow] = []
        try store.scanLatestRows(
            history: .inPlace(source), viewName: view.name, joinKeys: joinKeys, features: view.features,
            from: .earliestValid, to: to
        ) { rows += $0 }
        return rows
    }

    /// The message of the error both readers (training set and materialization) must throw.
    func failures() -> [String] {
        var messages: [String] = []
        do {
            _ = try trainingSet("k,event_timestamp\n1,2026-01-02T00:00:00Z\n")
            messages.append("no error from the training set")
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidInput)
            messages.append(error.message)
        } catch {
            messages.append("unexpected \(error)")
        }
        do {
            _ = try latest(to: .latestValid)
            messages.append("no error from materialization")
        } catch let error as FeatureStoreError {
            #expect(error.code == .invalidInput)
            messages.append(error.message)
        } catch {
            messages.append("unexpected \(error)")
        }
        return messages
    }
}

@Suite struct SQLiteSourceTests {
    /// Finding 4: `10:00:00.900` without a zone was cut to `10:00:00`, and a spine row at
    /// `10:00:00.2Z` got a value from its future. Fractions and offsets now count: the answer is the
    /// row at exactly 10:00:00Z, written `05:00:00-05`.
    @Test func fractionsAndOffsetsNeverLeakTheFuture() throws {
        let fixture = try InPlaceFixture(rows: [
            [.integer(1), .text("2026-01-01 10:00:00.900"), .real(1)],  // 10:00:00.9Z: after the spine
            [.integer(1), .text("2026-01-01 05:00:00.500-05:00"), .real(2)],  // 10:00:00.5Z: after
            [.integer(1), .text("2026-01-01T05:00:00-05"), .real(3)],  // 10:00:00Z: the answer
            [.integer(1), .text("2026-01-01 09:59:59.999999"), .real(4)],  // before it
            [.integer(2), .text("2026-01-01 10:00:00.200001"), .real(5)],  // 1 µs after the spine
        ])
        let rows = try fixture.trainingSet("k,event_timestamp\n1,2026-01-01T10:00:00.2Z\n2,2026-01-01T10:00:00.2Z\n")
        #expect(
            rows == [
                ["k", "event_timestamp", "x"], ["1", "2026-01-01T10:00:00.2Z", "3.0"],
                ["2", "2026-01-01T10:00:00.2Z", ""],
            ])
        let spineTime = try Timestamp.parsing("2026-01-01T10:00:00.2Z")
        let latest = try fixture.latest(to: spineTime)
        #expect(latest.count == 1)
        #expect(latest.first?.values == [.float64(3)])
        #expect(latest.first?.eventTime == Timestamp.parse("2026-01-01T10:00:00Z"))
        // Later, the naive 10:00:00.9 row is the newest.
        #expect(
            try fixture.latest(to: .latestValid).first { $0.key == [.int64(1)] }?.eventTime
                == Timestamp.parse("2026-01-01T10:00:00.9Z"))
    }

    @Test func digitsPastTheMicrosecondAreAnErrorNotFloored() throws {
        let fixture = try InPlaceFixture(rows: [[.integer(2), .text("2026-01-01T10:00:00.2000009Z"), .real(6)]])
        for message in fixture.failures() {
            #expect(message.contains("feature view 'raw_view'"), "\(message)")
            #expect(message.contains("source 'raw_source'"), "\(message)")
            #expect(message.contains("column 'ts'"), "\(message)")
            #expect(message.contains("'2026-01-01T10:00:00.2000009Z'"), "\(message)")
            #expect(message.contains("more precise than a microsecond"), "\(message)")
        }
    }

    /// Finding 4: an integer column of nanoseconds trapped on `value * 1_000_000`.
    @Test func nanosecondsInAnEpochColumnAreAnErrorThatSuggestsTheUnit() throws {
        let fixture = try InPlaceFixture(
            format: .epochSeconds, rows: [[.integer(1), .integer(1_767_225_600_000_000_000), .real(1)]])
        for message in fixture.failures() {
            #expect(message.contains("column 'ts'"), "\(message)")
            #expect(message.contains("1767225600000000000"), "\(message)")
            #expect(message.contains("as nanoseconds it would be 2026-01-01T00:00:00Z"), "\(message)")
            #expect(message.contains("epoch_us"), "\(message)")
        }
        let millis = try InPlaceFixture(
            format: .epochSeconds, rows: [[.integer(1), .integer(1_767_225_600_000), .real(1)]])
        for message in millis.failures() {
            #expect(message.contains("set the source's timestamp_format to epoch_ms"), "\(message)")
        }
        let extreme = try InPlaceFixture(format: .epochMilliseconds, rows: [[.integer(1), .integer(.min), .real(1)]])
        for message in extreme.failures() { #expect(message.contains("outside years 0001 to 9999"), "\(message)") }
    }

    @Test func epochColumnsReadIntegersRealsAndTextExactly() throws {
        let fixture = try InPlaceFixture(
            format: .epochMilliseconds,
            rows: [
                [.integer(1), .integer(1_767_225_600_000), .real(1)],
                [.integer(2), .real(1_767_225_600_000.5), .real(2)],
                [.integer(3), .text("1767225600001"), .real(3)],
                [.integer(4), .text("2026-01-01 00:00:00.002"), .real(4)],
            ])
        let times = try fixture.latest(to: .latestValid).sorted { $0.key.description < $1.key.description }.map {
            $0.eventTime.microseconds
        }
        #expect(times == [1_767_225_600_000_000, 1_767_225_600_000_500, 1_767_225_600_001_000, 1_767_225_600_002_000])
        let micros = try InPlaceFixture(
            format: .epochMicroseconds, rows: [[.integer(1), .integer(1_767_225_600_000_001), .real(1)]])
        #expect(try micros.latest(to: .latestValid).first?.eventTime.microseconds == 1_767_225_600_000_001)
    }

    @Test func numbersInAnISO8601ColumnAreAnErrorThatSuggestsAnEpochFormat() throws {
        let fixture = try InPlaceFixture(rows: [[.integer(1), .integer(1_767_225_600), .real(1)]])
        for message in fixture.failures() {
            #expect(message.contains("timestamp_format is iso8601"), "\(message)")
            #expect(message.contains("as epoch_s it would be 2026-01-01T00:00:00Z"), "\(message)")
        }
    }

    /// Regression: a row with a NULL key or event time was left out of training sets and
    /// materialization without a word (sources of kind postgres, and `fs ingest`, refuse it).
    @Test(arguments: [
        (
            [SQLiteValue.null, .text("2026-01-01T00:00:00Z"), .real(1)],
            "column 'k' holds NULL, but every row needs its entity key"
        ),
        ([.integer(1), .null, .real(1)], "column 'ts' holds NULL, but every row needs its event timestamp"),
    ])
    func aNullKeyOrEventTimeIsAnErrorNotARowLeftOut(row: [SQLiteValue], expected: String) throws {
        let fixture = try InPlaceFixture(rows: [[.integer(2), .text("2026-01-01T00:00:00Z"), .real(2)], row])
        for message in fixture.failures() {
            #expect(message.contains(expected), "\(message)")
            #expect(message.contains("source 'raw_source'"), "\(message)")
            #expect(message.contains("WHERE"), "\(message)")
        }
    }

    /// Finding 4: `Int64(double)` trapped on inf or values past 9.2e18, and a fraction was cut.
    @Test(arguments: [
        (SQLiteValue.real(.infinity), "inf"), (.real(-.infinity), "-inf"), (.real(9.3e18), "9.3e+18"),
        (.real(-9.3e18), "-9.3e+18"), (.real(1.5), "1.5"),
    ])
    func realsInAnInt64KeyMustBeWholeAndInRange(value: SQLiteValue, shown: String) throws {
        let fixture = try InPlaceFixture(rows: [[value, .text("2026-01-01T00:00:00Z"), .real(1)]])
        for message in fixture.failures() {
            #expect(message.contains("column 'k'"), "\(message)")
            #expect(message.contains(shown), "\(message)")
            #expect(message.contains("is not an int64"), "\(message)")
        }
    }

    /// Finding 4: `Int64(double)` trapped on an int64 value column holding inf or 9.3e18.
    @Test(arguments: [
        (SQLiteValue.real(.infinity), "inf"), (.real(9.3e18), "9.3e+18"), (.real(-9.3e18), "-9.3e+18"),
        (.real(2.5), "2.5"),
    ])
    func realsInAnInt64ValueMustBeWholeAndInRange(value: SQLiteValue, shown: String) throws {
        let fixture = try InPlaceFixture(
            valueType: .int64, rows: [[.integer(1), .text("2026-01-01T00:00:00Z"), value]])
        for message in fixture.failures() {
            #expect(message.contains("column 'x'"), "\(message)")
            #expect(message.contains(shown), "\(message)")
            #expect(message.contains("is not an int64"), "\(message)")
        }
        let whole = try InPlaceFixture(
            valueType: .int64, rows: [[.integer(1), .text("2026-01-01T00:00:00Z"), .real(3)]])
        #expect(try whole.latest(to: .latestValid).first?.values == [.int64(3)])
    }

    @Test func wholeRealsInAnInt64KeyAreTheirInteger() throws {
        let fixture = try InPlaceFixture(rows: [
            [.real(7), .text("2026-01-01T00:00:00Z"), .real(1)],
            [.real(-9_223_372_036_854_775_808), .text("2026-01-01T00:00:00Z"), .real(2)],
        ])
        let keys = Set(try fixture.latest(to: .latestValid).map(\.key))
        #expect(keys == [[.int64(7)], [.int64(.min)]])
    }

    /// Finding 4: text in an int64 key column was entity 0.
    @Test(arguments: [SQLiteValue.text("driver-7"), .text("1001"), .blob([1, 2])])
    func textInAnInt64KeyIsAnErrorNotEntityZero(value: SQLiteValue) throws {
        let fixture = try InPlaceFixture(rows: [[value, .text("2026-01-01T00:00:00Z"), .real(1)]])
        for message in fixture.failures() {
            #expect(message.contains("column 'k'"), "\(message)")
            #expect(message.contains("CAST(column AS INTEGER)"), "\(message)")
        }
    }

    @Test func nonFiniteRealsInAFloatColumnAreErrors() throws {
        let fixture = try InPlaceFixture(rows: [[.integer(1), .text("2026-01-01T00:00:00Z"), .real(-.infinity)]])
        for message in fixture.failures() {
            #expect(message.contains("column 'x'"), "\(message)")
            #expect(message.contains("-inf"), "\(message)")
            #expect(message.contains("not finite"), "\(message)")
        }
        let text = try InPlaceFixture(rows: [[.integer(1), .text("2026-01-01T00:00:00Z"), .text("high")]])
        for message in text.failures() { #expect(message.contains("'high'"), "\(message)") }
    }

    @Test func timestampsInAnEpochRealColumnMustBeFinite() throws {
        let fixture = try InPlaceFixture(format: .epochSeconds, rows: [[.integer(1), .real(.infinity), .real(1)]])
        for message in fixture.failures() { #expect(message.contains("not a finite number"), "\(message)") }
    }

    @Test func invalidUTF8InAStringKeyIsAnError() throws {
        let fixture = try InPlaceFixture(
            keyType: .string, rows: [[.text("ok"), .text("2026-01-01T00:00:00Z"), .real(1)]])
        let database = try Database(path: fixture.directory.file("offline.db"))
        try database.execute("INSERT INTO raw VALUES (CAST(X'61FF62' AS TEXT), '2026-01-01T00:00:00Z', 2)")
        let messages = fixture.failures()
        for message in messages {
            #expect(message.contains("column 'k'"), "\(message)")
            #expect(message.contains("not valid UTF-8"), "\(message)")
            #expect(message.contains("'a\\xFFb'"), "\(message)")
        }
    }
}
