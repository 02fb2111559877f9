import FeatureStoreKit
import Testing

@testable import FeatureServer

@Suite struct JSONParserTests {
    @Test func keepsObjectMemberOrder() throws {
        let value = try JSONParser.parse(Array(#"{"z": 1, "a": [true, null], "m": {"y": "x", "b": -2.5e1}}"#.utf8))
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["z", "a", "m"])
        #expect(value["z"] == .int(1))
        #expect(value["a"] == .array([.bool(true), .null]))
        #expect(value["m"]?["b"] == .double(-25))
        if case .object(let inner)? = value["m"] { #expect(inner.map(\.key) == ["y", "b"]) }
    }

    @Test func decodesEscapes() throws {
        let value = try JSONParser.parse(Array(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#.utf8))
        #expect(value == .string("a\"b\\c/d\né😀"))
    }

    @Test func bigIntegersBecomeDoubles() throws {
        #expect(try JSONParser.parse(Array("9223372036854775807".utf8)) == .int(.max))
        #expect(try JSONParser.parse(Array("92233720368547758080".utf8)) == .double(92233720368547758080))
    }

    @Test(arguments: [
        "", "{", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "tru", "01", "1.", "\"abc", "{} x", "\"\\q\"", "[\"\u{01}\"]",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func rejectsInvalidDocuments(_ text: String) {
        let error = #expect(throws: FeatureStoreError.self) { try JSONParser.parse(Array(text.utf8)) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("at byte") == true)
    }
}

@Suite struct FeastResponseWriterTests {
    /// The fast writer must write exactly what FeastJSON writes, for every value type and status.
    @Test func matchesFeastJSONByteForByte() throws {
        let times: [Int64] = [
            0, 1, 999_999, 1_795_488_000_000_000, 1_795_488_000_250_000, -1, -86_400_000_001, 951_782_400_000_000,
        ]
        let values: [FeatureValue] = [
            .null, .int64(0), .int64(-42), .int64(.max), .int64(.min), .float64(0.1), .float64(-2.5e-9), .float64(.nan),
            .string("a\"b\\c\n\u{01}é"), .bool(true), .bool(false), .bytes([0, 255, 7]),
            .timestamp(Timestamp(microseconds: 1_795_488_000_123_456)),
        ]
        let statuses: [FeatureStatus] = [.present, .notFound, .nullValue, .outsideMaxAge]
        var columns: [[OnlineValue]] = []
        for column in 0..<4 {
            columns.append(
                values.indices.map { row in
                    OnlineValue(
                        value: values[(row + column) % values.count], status: statuses[(row + column) % statuses.count],
                        eventTime: row % 5 == 4
                            ? nil : Timestamp(microseconds: times[(row * (column + 1)) % times.count]))
                })
        }
        let response = OnlineFeaturesResponse(names: ["driver_id", "f\"1", "f2", "f3"], values: columns)
        let fast = FeastResponseWriter.encode(response)
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: FeastJSON.encode(response), as: UTF8.self))
    }
}
