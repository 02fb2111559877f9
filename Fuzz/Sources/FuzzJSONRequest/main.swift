import FeatureServer
import FeatureStoreKit
import FuzzSupport

/// The server's JSON request parser on any bytes.
///
/// Properties: every failure is an `invalidInput` error (a client's mistake, never a 500); a parsed
/// document was valid UTF-8 (RFC 8259 §8.1: nothing is replaced by U+FFFD), holds only finite
/// floats and no member name twice in one object, nests at most `maximumDepth` levels, and
/// printing it back and parsing that gives the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRequest(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    withInput(start, count) { input in
        let value: JSONValue
        do {
            value = try JSONParser.parse(input)
        } catch let error as FeatureStoreError {
            require(error.code == .invalidInput, "a parse error is \(error.code), not invalidInput: \(error)")
            return
        } catch {
            require(false, "a parse error is not a FeatureStoreError: \(error)")
            return
        }
        require(
            String(validating: input, as: UTF8.self) != nil,
            "\(describe(input)) is not valid UTF-8, yet it parsed (its strings hold U+FFFD instead)")
        require(isStrict(value), "\(describe(input)) parsed to a non-finite float or a repeated member name")
        require(
            depth(of: value) <= JSONParser.maximumDepth,
            "\(describe(input)) parsed with \(depth(of: value)) levels, more than \(JSONParser.maximumDepth)")
        var printed: [UInt8] = []
        print(value, to: &printed)
        guard let again = try? JSONParser.parse(printed) else {
            require(false, "\(describe(input)) parsed, but its printed form \(describe(printed)) does not")
            return
        }
        require(again == value, "\(describe(input)) printed as \(describe(printed)) parses to another value")
    }
    return 0
}

/// Levels of arrays and objects (a scalar is 0).
private func depth(of value: JSONValue) -> Int {
    switch value {
    case .array(let elements): 1 + (elements.map(depth(of:)).max() ?? 0)
    case .object(let members): 1 + (members.map { depth(of: $0.value) }.max() ?? 0)
    default: 0
    }
}

/// Whether every float is finite and no object names a member twice.
private func isStrict(_ value: JSONValue) -> Bool {
    switch value {
    case .double(let number): number.isFinite
    case .array(let elements): elements.allSatisfy(isStrict)
    case .object(let members):
        Set(members.map(\.key)).count == members.count && members.allSatisfy { isStrict($0.value) }
    default: true
    }
}

/// Compact JSON (floats are finite: `isStrict` holds before printing).
private func print(_ value: JSONValue, to out: inout [UInt8]) {
    switch value {
    case .null: out += Array("null".utf8)
    case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
    case .int(let number): out += Array(String(number).utf8)
    case .largeInteger(let text): out += Array(text.utf8)
    case .double(let number):
        // Swift prints the shortest text that reads back exactly (`1e-05`, `5.0`).
        out += Array("\(number)".utf8)
    case .string(let text): printString(text, to: &out)
    case .array(let elements):
        out.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            print(element, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    case .object(let members):
        out.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            printString(member.key, to: &out)
            out.append(UInt8(ascii: ":"))
            print(member.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

private func printString(_ text: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out += [UInt8(ascii: "\\"), byte]
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        default:
            out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}
