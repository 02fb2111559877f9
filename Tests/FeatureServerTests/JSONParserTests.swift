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

    @Test func integersBeyondInt64AreKeptAsWritten() throws {
        #expect(try JSONParser.parse(Array("9223372036854775807".utf8)) == .int(.max))
        #expect(try JSONParser.parse(Array("-9223372036854775808".utf8)) == .int(.min))
        #expect(try JSONParser.parse(Array("92233720368547758080".utf8)) == .largeInteger("92233720368547758080"))
        #expect(try JSONParser.parse(Array("-9223372036854775809".utf8)) == .largeInteger("-9223372036854775809"))
    }

    /// Issue 9 (12) and 16: Python's `json` keeps the last of a repeated member, this parser kept
    /// the first; an ambiguous body is refused, naming the member and where it is.
    @Test(arguments: [
        (#"{"a": 1, "a": 2}"#, "\"a\"", "at byte 9"),
        (#"{"df": {"x": [1], "y": [2], "x": [3]}}"#, "\"x\"", "df"),
        (#"[{"k": 1}, {"k": 1, "k": 1}]"#, "\"k\"", "[1]"),
    ])
    func repeatedMembersAreRefused(_ text: String, _ key: String, _ place: String) {
        let error = #expect(throws: FeatureStoreError.self) { try JSONParser.parse(Array(text.utf8)) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("repeats the member \(key)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(place) == true, "\(error?.message ?? "")")
    }

    /// Past eight members the duplicate check switches to a set; both halves must refuse.
    @Test func repeatedMembersAreRefusedInLargeObjects() {
        let members = (0..<40).map { #""m\#($0)": \#($0)"# }
        let repeated = "{" + (members + [#""m3": 0"#]).joined(separator: ", ") + "}"
        let error = #expect(throws: FeatureStoreError.self) { try JSONParser.parse(Array(repeated.utf8)) }
        #expect(error?.message.contains(#"repeats the member "m3""#) == true)
        let distinct = "{" + members.joined(separator: ", ") + "}"
        #expect(throws: Never.self) { try JSONParser.parse(Array(distinct.utf8)) }
    }

    /// Issue 9 (5): `1e999` parsed to infinity and was stored; it is refused, naming its path.
    @Test(arguments: [
        (#"{"df": {"conv_rate": [0.5, 1, 2, 1e999]}}"#, "df.conv_rate[3] is 1e999"),
        (#"[-1E+400]"#, "[0] is -1E+400"),
        (#"1e309"#, "the request body is 1e309"),
        (#"{"odd key": {"x y": [1e999]}}"#, #"["odd key"]["x y"][0]"#),
    ])
    func numbersBeyondFloatRangeAreRefusedWithTheirPath(_ text: String, _ expected: String) {
        let error = #expect(throws: FeatureStoreError.self) { try JSONParser.parse(Array(text.utf8)) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test func tinyNumbersUnderflowToZeroAndAreKept() throws {
        #expect(try JSONParser.parse(Array("1e-999".utf8)) == .double(0))
    }

    @Test func syntaxErrorsNameTheirPath() {
        let error = #expect(throws: FeatureStoreError.self) {
            try JSONParser.parse(Array(#"{"entities": {"driver_id": [1, 2, tru]}}"#.utf8))
        }
        #expect(error?.message.contains("entities.driver_id[2]") == true, "\(error?.message ?? "")")
    }

    @Test(arguments: [
        ("1", true), ("-0.5", true), ("1e-3", true), ("2E+10", true), ("inf", false), ("nan", false),
        ("Infinity", false), ("-infinity", false), ("0x10", false), (" 1", false), ("1.", false), ("", false),
        ("+1", false), ("1e", false),
    ])
    func numbersInStringsFollowJSONGrammar(_ text: String, _ valid: Bool) {
        #expect(JSONParser.isNumber(text) == valid)
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
