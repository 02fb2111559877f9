import FeatureServer
import FeatureStoreKit
import Testing

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
