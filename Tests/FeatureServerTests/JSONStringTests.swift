import FeatureStoreKit
import Foundation
import Testing

@testable import FeatureServer

/// ``JSONString``, the one JSON string escaper (lookup answers, error bodies, training sets and
/// the paths in messages use it), against a per-character reference and Foundation's reader.
@Suite struct JSONStringTests {
    /// The escaping rule, written out character by character.
    static func reference(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func everyASCIICharacter() {
        for byte in UInt8(0)..<128 {
            let text = String(UnicodeScalar(byte))
            #expect(JSONString.literal(text) == Self.reference(text), "byte \(byte)")
        }
        #expect(JSONString.literal("a\"b\\c\n\u{01}\u{1F}é/") == #""a\"b\\c\n\u0001\u001fé/""#)
        #expect(JSONString.literal("") == #""""#)
    }

    /// Short (inline) and long strings, from `String` and from bytes, match the reference and
    /// read back through Foundation as the same text.
    @Test(arguments: 0..<6)
    func randomTextMatchesTheReferenceAndReadsBack(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<500 {
            var text = FeastJSONTests.randomText(&rng)
            if rng.next() % 5 == 0 { text = String(repeating: text, count: 1 + Int(rng.next() % 40)) }
            let literal = JSONString.literal(text)
            #expect(literal == Self.reference(text))
            var fromBytes: [UInt8] = [UInt8(ascii: "x")]
            Array(text.utf8).withUnsafeBufferPointer { JSONString.append(utf8: $0, to: &fromBytes) }
            #expect(fromBytes == [UInt8(ascii: "x")] + Array(literal.utf8))
            let read = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
            #expect(read == [text])
        }
    }

    /// JSON paths in messages quote odd member names with the same escaper: a newline in a name
    /// shows as `\n`, not as a line break in the message.
    @Test func pathsQuoteOddNamesAsJSON() {
        #expect(JSONPath.cell("df", "a\"b\nc", 2) == #"df["a\"b\nc"][2]"#)
        #expect(JSONPath.cell("entities", "driver_id", 0) == "entities.driver_id[0]")
    }
}
