import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import Testing

@Suite struct IngestTests {
    static let good = #"""
        \#(IngestFixture.header)
        1,2026-01-01T00:00:00Z,2026-01-01T00:05:00Z,0.5,alpha,true
        2,2026-01-01T01:00:00+01:00,2026-01-01T00:05:00.250Z,-1.25,"with, comma",false
        1,2026-01-01T02:00:00Z,2026-01-01T02:05:00Z,,"say ""hi""",1

        """#

    @Test(arguments: StoreBackend.allCases) func storesTypedRowsUnderMappedNames(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            let result = try fixture.ingest("good.csv", Self.good)
            #expect(result.rows == 3)
            #expect(result.inserted == 3)
            #expect(result.rejected == 0)
            #expect(fixture.table.columnNames == ["__event_ts", "__created_ts", "driver_id", "rate", "name", "active"])
            let rows = try fixture.rows()
            let t0 = Timestamp.parse("2026-01-01T00:00:00Z")!.microseconds
            #expect(rows[0] == ["1", String(t0), String(t0 + 300_000_000), "0.5", "alpha", "1"])
            #expect(
                rows[1] == ["1", String(t0 + 7_200_000_000), String(t0 + 7_500_000_000), "null", "say \"hi\"", "1"])
            // +01:00 is converted to UTC; fractional seconds are kept.
            #expect(rows[2] == ["2", String(t0), String(t0 + 300_250_000), "-1.25", "with, comma", "0"])
        }
    }

    @Test(arguments: StoreBackend.allCases) func reingestingTheSameContentAddsNothingAndSaysWhen(
        _ backend: StoreBackend
    ) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            let first = try fixture.ingest("good.csv", Self.good)
            #expect(first.alreadyIngested == nil)
            // The same bytes under another name: the content, not the name, identifies an ingest.
            let again = try fixture.ingest("copy.csv", Self.good)
            #expect(again.inserted == 0)
            #expect(again.alreadyIngested?.file.hasSuffix("good.csv") == true)
            #expect(again.alreadyIngested?.stored == 3)
            #expect(try fixture.count() == 3)
            // --force stores it again: three more events.
            let forced = try fixture.ingest("good.csv", Self.good, options: IngestOptions(force: true))
            #expect(forced.inserted == 3)
            #expect(try fixture.count() == 6)
            #expect(try fixture.store.ingestLog(of: fixture.table).map(\.forced) == [false, true])
        }
    }

    /// Regression (issue 9, finding 1): rows of one entity with the same event and created time
    /// were stored once (`INSERT OR IGNORE` on the key), so windows over them were wrong.
    @Test(arguments: StoreBackend.allCases) func sameSecondAndIdenticalRowsAreEachAnEvent(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            let text = #"""
                \#(IngestFixture.header)
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1.0,first,true
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2.0,second,true
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2.0,second,true
                7,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,3.0,redelivery,true

                """#
            let result = try fixture.ingest("dupes.csv", text)
            #expect(result.inserted == 4)
            #expect(try fixture.rows().map { $0[4] } == ["first", "second", "second", "redelivery"])
        }
    }

    /// The rows of one file are numbered in the order they are stored (event time, file order
    /// among equal times), so the unique index on arrival numbers takes appends, not random
    /// inserts (a file in file order numbering made ingest 2x slower); a later file's rows all
    /// come after the earlier file's.
    @Test(arguments: StoreBackend.allCases) func arrivalNumbersFollowEventTimeThenFileOrder(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            let first = #"""
                \#(IngestFixture.header)
                1,2026-01-01T03:00:00Z,2026-01-01T03:00:00Z,1.0,c,true
                2,2026-01-01T01:00:00Z,2026-01-01T01:00:00Z,1.0,a,true
                3,2026-01-01T02:00:00Z,2026-01-01T02:00:00Z,1.0,b1,true
                1,2026-01-01T02:00:00Z,2026-01-01T02:00:00Z,1.0,b2,true
                2,2026-01-01T02:00:00Z,2026-01-01T02:00:00Z,1.0,b3,true

                """#
            let second = #"""
                \#(IngestFixture.header)
                4,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1.0,early,true

                """#
            _ = try fixture.ingest("first.csv", first)
            _ = try fixture.ingest("second.csv", second)
            let stored = try opener.rows(
                "SELECT name, __seq FROM {table} ORDER BY __seq", table: fixture.table.name, in: fixture.store,
                directory: fixture.directory)
            #expect(stored.map { $0[0] } == ["a", "b1", "b2", "b3", "c", "early"])
            let numbers = stored.compactMap { Int64($0[1]) }
            #expect(numbers.count == 6)
            #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 + 1 == $1 }, "\(numbers)")
        }
    }

    @Test(arguments: StoreBackend.allCases) func dedupeOnKeepsOneEventTheLaterCreatedWinning(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener, dedupeOn: ["name"])
            let text = #"""
                \#(IngestFixture.header)
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1.0,a,true
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,2.0,a,true
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,5.0,b,true

                """#
            let result = try fixture.ingest("first.csv", text)
            // Within a file, a tie of created times goes to the later arrival.
            #expect((result.inserted, result.duplicates, result.replaced) == (2, 0, 1))
            #expect(try fixture.rows().map { [$0[3], $0[4]] } == [["2.0", "a"], ["5.0", "b"]])
            // A re-delivery with a later created time replaces the event (even at another event time);
            // one with an older created time is a duplicate.
            let redelivery = #"""
                \#(IngestFixture.header)
                8,2026-01-01T00:30:00Z,2026-01-01T02:00:00Z,9.0,a,false
                7,2025-12-31T00:00:00Z,2025-12-31T00:00:00Z,0.0,b,false

                """#
            let second = try fixture.ingest("second.csv", redelivery)
            #expect((second.inserted, second.duplicates, second.replaced) == (0, 1, 1))
            #expect(try fixture.rows().map { [$0[0], $0[3], $0[4]] } == [["7", "5.0", "b"], ["8", "9.0", "a"]])
        }
    }

    @Test(arguments: StoreBackend.allCases) func acceptsCRLFAndMappedHeaderNames(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            let text =
                "driver_id,ts,created,rate,name,active\r\n3,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,x,false\r\n"
            #expect(try fixture.ingest("crlf.csv", text).inserted == 1)
        }
    }

    @Test(arguments: StoreBackend.allCases) func jsonLinesLikeCSV(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            let text = #"""
                {"driver": 1, "ts": "2026-01-01T00:00:00Z", "created": "2026-01-01T00:05:00Z", "rate": 0.5, "name": "alpha", "active": true}
                {"driver_id": 2, "ts": "2026-01-01T00:00:00Z", "created": "2026-01-01T00:05:00.250Z", "rate": -1.25, "name": "with, comma", "active": false}

                {"driver": 1, "ts": "2026-01-01T02:00:00Z", "created": "2026-01-01T02:05:00Z", "rate": null, "name": "say \"hi\" \u00e9", "active": 1}
                """#
            let result = try fixture.ingest("rows.jsonl", text, format: .jsonl)
            #expect(result.inserted == 3)
            #expect(try fixture.rows()[1][4] == "say \"hi\" é")
            let nested = fixture.failure("nested.jsonl", "{\"driver\": {\"a\": 1}}\n", format: .jsonl)
            #expect(nested?.message.contains("nested.jsonl:1:") == true)
        }
    }

    @Test(arguments: StoreBackend.allCases) func epochMillisecondsWhenTheSourceSaysSo(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener, timestampFormat: .epochMilliseconds)
            try fixture.ingest("ms.csv", "\(IngestFixture.header)\n1,1767225600000,1767225600500,1,a,true\n")
            #expect(try fixture.rows()[0][1] == "1767225600000000")
            #expect(try fixture.rows()[0][2] == "1767225600500000")
        }
    }

    // MARK: Bad input: a documented error naming file:line, column and value; nothing stored.

    private func expectRejected(
        _ text: String, line: Int, mentions: [String], fixture: IngestFixture,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try fixture.rows()
        let error = fixture.failure("bad.csv", text)
        #expect(error?.code == .invalidInput, sourceLocation: sourceLocation)
        let message = error?.message ?? ""
        #expect(message.contains("bad.csv:\(line):"), "\(message)", sourceLocation: sourceLocation)
        for part in mentions { #expect(message.contains(part), "\(message)", sourceLocation: sourceLocation) }
        #expect(try fixture.rows() == before, "the history changed", sourceLocation: sourceLocation)
    }

    @Test(arguments: StoreBackend.allCases) func malformedLineStopsEverything(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            try fixture.ingest("good.csv", Self.good)
            let unterminated = #"""
                \#(IngestFixture.header)
                5,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true
                6,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,"broken,true
                7,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true

                """#
            try expectRejected(unterminated, line: 3, mentions: ["not closed", "--skip-bad-rows"], fixture: fixture)
            let short =
                "\(IngestFixture.header)\n5,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true\n6,2026-01-01T00:00:00Z,1\n"
            try expectRejected(short, line: 3, mentions: ["3 fields", "header has 6"], fixture: fixture)
        }
    }

    @Test(arguments: StoreBackend.allCases) func wrongTypeNamesColumnAndValue(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            try fixture.ingest("good.csv", Self.good)
            let text = #"""
                \#(IngestFixture.header)
                5,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true

                6,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,abc,ok,true

                """#
            try expectRejected(text, line: 4, mentions: ["column 'rate'", "'abc'", "float64"], fixture: fixture)
            let key = "\(IngestFixture.header)\nx1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true\n"
            try expectRejected(key, line: 2, mentions: ["column 'driver'", "'x1'", "int64"], fixture: fixture)
            let empty = "\(IngestFixture.header)\n,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true\n"
            try expectRejected(empty, line: 2, mentions: ["column 'driver'", "empty"], fixture: fixture)
            let bool = "\(IngestFixture.header)\n1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,maybe\n"
            try expectRejected(bool, line: 2, mentions: ["column 'active'", "'maybe'"], fixture: fixture)
        }
    }

    @Test(arguments: StoreBackend.allCases) func badTimestampNamesColumnAndValue(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            try fixture.ingest("good.csv", Self.good)
            for value in ["2026-13-01T00:00:00Z", "2026-01-01 00:00:00", "yesterday", "2026-02-30T00:00:00Z"] {
                let text = "\(IngestFixture.header)\n1,2026-01-01T00:00:00Z,\(value),1,ok,true\n"
                try expectRejected(
                    text, line: 2, mentions: ["column 'created'", "'\(value)'", "RFC 3339"], fixture: fixture)
            }
        }
    }

    @Test(arguments: StoreBackend.allCases) func missingColumnIsNamed(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            try fixture.ingest("good.csv", Self.good)
            let text = "driver,ts,created,rat,name,active\n1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true\n"
            try expectRejected(
                text, line: 1, mentions: ["missing column 'rate'", "Did you mean 'rat'"], fixture: fixture)
        }
    }

    @Test(arguments: StoreBackend.allCases) func skipBadRowsStoresTheRestAndWritesReasons(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            let text = #"""
                \#(IngestFixture.header)
                1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true
                2,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,abc,bad,true
                3,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,"unclosed,true
                4,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1,ok,true

                """#
            let rejects = fixture.directory.file("rejects.csv")
            let result = try fixture.ingest(
                "mixed.csv", text, options: IngestOptions(skipBadRows: true, rejectsPath: rejects))
            #expect(result.rows == 4)
            #expect(result.inserted == 2)
            #expect(result.rejected == 2)
            #expect(result.rejectsPath == rejects)
            #expect(try fixture.rows().map { $0[0] } == ["1", "4"])
            let written = parseCSV(try String(contentsOfFile: rejects, encoding: .utf8))
            #expect(written.count == 3)
            #expect(written[0] == ["line", "reason", "record"])
            #expect(written[1][0] == "3")
            #expect(written[1][1].contains("column 'rate': 'abc'"))
            #expect(written[1][2].hasPrefix("2,2026-01-01T00:00:00Z"))
            #expect(written[2][0] == "4")
            #expect(written[2][1].contains("not closed"))
        }
    }

    @Test(arguments: StoreBackend.allCases) func failedCommitLeavesNoRejectFile(_ backend: StoreBackend) async throws {
        try await backend.run { opener in
            let fixture = try IngestFixture(opener)
            var unprepared = fixture.table
            unprepared.generation = 2  // another table name, never created
            let file = try fixture.directory.write(
                "mixed.csv", "\(IngestFixture.header)\n1,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,x,bad,true\n")
            let rejects = fixture.directory.file("mixed.rejects.csv")
            #expect(throws: FeatureStoreError.self) {
                try fixture.store.ingest(
                    file: file, format: .csv, into: unprepared,
                    options: IngestOptions(skipBadRows: true, rejectsPath: rejects), now: Timestamp(microseconds: 0))
            }
            #expect(!FileManager.default.fileExists(atPath: rejects))
        }
    }

    @Test(arguments: StoreBackend.allCases) func largeFileParsedInChunksReportsTheRightLine(_ backend: StoreBackend)
        async throws
    {
        try await backend.run { opener in
            // Over 8 MB without quotes: parsed in two halves on two threads.
            let fixture = try IngestFixture(opener)
            let padding = String(repeating: "p", count: 200)
            var lines = [IngestFixture.header]
            let count = 42_000
            for row in 0..<count {
                let rate = row == count - 10 ? "oops" : "0.25"
                lines.append(
                    "\(row % 500),\(Timestamp(seconds: 1_767_225_600 + Int64(row / 500) * 60).rfc3339),2026-01-01T00:00:00Z,\(rate),\(padding),true"
                )
            }
            let text = lines.joined(separator: "\n") + "\n"
            #expect(text.utf8.count > 8 << 20)
            try expectRejected(text, line: count - 10 + 2, mentions: ["'oops'"], fixture: fixture)
            lines[count - 10 + 1] = lines[count - 10 + 1].replacingOccurrences(of: "oops", with: "0.5")
            let result = try fixture.ingest("big.csv", lines.joined(separator: "\n") + "\n")
            #expect(result.inserted == count)
            #expect(try fixture.count() == Int64(count))
        }
    }
}
