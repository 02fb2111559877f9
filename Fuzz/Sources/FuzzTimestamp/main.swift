import FeatureStoreKit
import Foundation
import FuzzSupport

/// The timestamp parser (every format, zoneless refused or read as UTC), the registry's timestamp
/// decoding, base64 and durations. The first byte picks what the rest is fed to.
///
/// Properties: a parsed timestamp lies in years 0001-9999, prints and parses back to the same
/// instant, and agrees with ``ReferenceTime`` (a plain second implementation of the accepted forms);
/// any instant prints and decodes back exactly; base64 and durations print and read back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimestamp(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    withInput(start, count) { input in
        let mode = input[0]
        let rest = UnsafeBufferPointer(rebasing: input[1...])
        switch mode % 12 {
        case 0..<8:
            let format = TimestampFormat.allCases[Int(mode % 4)]
            checkParse(rest, format: format, zoneless: mode % 12 < 4 ? .rejected : .utc)
        case 8: checkBase64(rest)
        case 9: checkTimeSpan(rest)
        case 10: checkPrintDecode(rest)
        default: checkDecode(rest)
        }
    }
    return 0
}

private func checkParse(_ text: UnsafeBufferPointer<UInt8>, format: TimestampFormat, zoneless: Timestamp.Zoneless) {
    let parsed: Timestamp?
    do {
        parsed = try Timestamp.parse(utf8: text, format: format, zoneless: zoneless)
    } catch {
        require(!error.reason.isEmpty, "\(describe(text)) is refused without a reason")
        parsed = nil
    }
    let expected = ReferenceTime.parse(Array(text), format: format, zoneless: zoneless)
    require(
        parsed == expected,
        "\(describe(text)) as \(format.rawValue) (zoneless \(zoneless)) parses to \(parsed.map { "\($0.microseconds)" } ?? "an error"), the reference to \(expected.map { "\($0.microseconds)" } ?? "an error")"
    )
    guard let parsed else { return }
    require(parsed.isValid, "\(describe(text)) parses to \(parsed.microseconds), outside years 0001-9999")
    let printed = parsed.rfc3339
    let again = try? Timestamp.parsing(printed)
    require(again == parsed, "\(describe(text)) prints as \(printed), which parses to \(String(describing: again))")
    if format != .iso8601 {
        // The count in the format's unit reads back as the same instant.
        let text = epochText(parsed.microseconds, format: format)
        let back = try? Timestamp.parsing(text, format: format)
        require(
            back == parsed,
            "\(parsed.microseconds) µs written as \(text) in \(format.rawValue) reads as \(String(describing: back))")
    }
    if zoneless == .rejected {
        // Text with a zone reads the same whatever the zoneless rule.
        let utc = try? Timestamp.parse(utf8: text, format: format, zoneless: .utc)
        require(utc == parsed, "\(describe(text)) reads differently when zoneless times are read as UTC")
    }
}

/// `microseconds` as a decimal count of `format`'s unit.
private func epochText(_ microseconds: Int64, format: TimestampFormat) -> String {
    let decimals = format == .epochSeconds ? 6 : format == .epochMilliseconds ? 3 : 0
    guard decimals > 0 else { return String(microseconds) }
    var divisor: Int64 = 1
    for _ in 0..<decimals { divisor *= 10 }
    let sign = microseconds < 0 ? "-" : ""
    let magnitude = microseconds.magnitude
    let fraction = String(magnitude % UInt64(divisor))
    return
        "\(sign)\(magnitude / UInt64(divisor)).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
}

private func checkBase64(_ text: UnsafeBufferPointer<UInt8>) {
    // Any bytes encode and decode back.
    let bytes = Array(text)
    let encoded = encodeBase64(bytes)
    require(decodeBase64(encoded) == bytes, "\(describe(bytes)) encodes as \(encoded), which does not decode back")
    // Text that decodes is the encoding of what it decodes to, padded or not.
    guard let decoded = decodeBase64(utf8: text) else { return }
    let canonical = Array(encodeBase64(decoded).utf8)
    let unpadded = Array(canonical.prefix { $0 != UInt8(ascii: "=") })
    require(
        bytes == canonical || bytes == unpadded,
        "\(describe(bytes)) decodes to \(describe(decoded)), whose encoding is \(describe(canonical))")
}

private func checkTimeSpan(_ text: UnsafeBufferPointer<UInt8>) {
    guard let span = TimeSpan(parsing: String(decoding: text, as: UTF8.self)) else { return }
    require(span >= .zero, "\(describe(text)) parses to a negative duration \(span.microseconds) µs")
    require(
        TimeSpan(parsing: span.description) == span,
        "\(describe(text)) parses to \(span.microseconds) µs, which prints as \(span.description) and reads back otherwise"
    )
}

/// Any instant prints and decodes back (the registry and JSON bodies decode what fs printed).
private func checkPrintDecode(_ bytes: UnsafeBufferPointer<UInt8>) {
    var raw: UInt64 = 0
    for byte in bytes.prefix(8) { raw = raw << 8 | UInt64(byte) }
    let instant = Timestamp(microseconds: Int64(bitPattern: raw))
    let printed = instant.rfc3339
    let back = decodeTimestamp(printed)
    require(
        back == instant, "\(instant.microseconds) µs prints as \(printed), which decodes as \(String(describing: back))"
    )
}

/// Decoding takes what the printer writes, and what it takes prints back the same.
private func checkDecode(_ text: UnsafeBufferPointer<UInt8>) {
    guard let value = decodeTimestamp(String(decoding: text, as: UTF8.self)) else { return }
    let again = decodeTimestamp(value.rfc3339)
    require(
        again == value,
        "\(describe(text)) decodes to \(value.microseconds) µs, printed \(value.rfc3339) decodes otherwise")
}

private func decodeTimestamp(_ text: String) -> Timestamp? {
    guard let json = try? JSONEncoder().encode([text]) else { return nil }
    return try? JSONDecoder().decode([Timestamp].self, from: json).first
}
