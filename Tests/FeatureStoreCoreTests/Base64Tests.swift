import FeatureStoreCore
import Foundation
import Testing

@Suite struct Base64Tests {
    /// Every byte string round-trips, padded or not, and agrees with Foundation's encoder.
    @Test func roundTripsAndAgreesWithFoundation() {
        var rng = SplitMix64(seed: 3)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let text = encodeBase64(bytes)
            #expect(text == Data(bytes).base64EncodedString())
            #expect(decodeBase64(text) == bytes)
            let unpadded = String(text.reversed().drop(while: { $0 == "=" }).reversed())
            #expect(decodeBase64(unpadded) == bytes, "\(unpadded)")
        }
    }

    @Test(arguments: [
        "A",  // one character carries no whole byte
        "AAAAA",  // nor does a fifth
        "QQ=x",  // text after the padding
        "QQ==QQ==",  // padding in the middle
        "QQ=",  // padded to a length that is not a multiple of 4
        "Q===",  // three padding characters
        "====",
        "QR==",  // bits set past the data
        "QUI=QQ",
        "a$b", "aGk =", " aGk=", "aGk=\n", "-_8=",  // outside the alphabet (URL-safe included)
        "\u{e9}\u{e9}\u{e9}\u{e9}",
    ])
    func refusesInvalidText(text: String) {
        #expect(decodeBase64(text) == nil, "'\(text)'")
    }

    @Test func acceptsTheEmptyStringAndCanonicalForms() {
        #expect(decodeBase64("") == [])
        #expect(decodeBase64("QQ==") == [0x41])
        #expect(decodeBase64("QQ") == [0x41])
        #expect(decodeBase64("QUI=") == [0x41, 0x42])
        #expect(decodeBase64("QUI") == [0x41, 0x42])
        #expect(decodeBase64("QUJD") == [0x41, 0x42, 0x43])
    }
}
