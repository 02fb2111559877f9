import FeatureStoreCore
import Testing

@Suite struct ValueTests {
    @Test func base64RoundTripsRandomBytes() {
        var rng = SplitMix64(seed: 3)
        for length in 0..<64 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(decodeBase64(encodeBase64(bytes)) == bytes)
        }
        #expect(encodeBase64(Array("hello".utf8)) == "aGVsbG8=")
        #expect(decodeBase64("a$b") == nil)
    }

    @Test func parsesTextByType() {
        #expect(FeatureValue.parse("42", as: .int64) == .int64(42))
        #expect(FeatureValue.parse("4.5", as: .float64) == .float64(4.5))
        #expect(FeatureValue.parse("true", as: .bool) == .bool(true))
        #expect(FeatureValue.parse("", as: .int64) == .null)
        #expect(FeatureValue.parse("4.5", as: .int64) == nil)
        #expect(FeatureValue.parse("maybe", as: .bool) == nil)
        #expect(
            FeatureValue.parse("2024-01-01T00:00:00Z", as: .timestamp) == .timestamp(Timestamp(seconds: 1_704_067_200)))
    }

    @Test func textRoundTrips() {
        let values: [FeatureValue] = [
            .int64(-7), .float64(0.1), .float64(1e300), .string("a,b"), .bool(false), .bytes([0, 255, 7]),
            .timestamp(Timestamp(microseconds: 1_700_000_000_123_456)),
        ]
        for value in values {
            #expect(FeatureValue.parse(value.text[...], as: value.type!) == value)
        }
    }

    @Test func suggestsCloseNames() {
        #expect(Suggestion.closest(to: "drivr", in: ["driver", "rider"]) == "driver")
        #expect(Suggestion.closest(to: "xyz", in: ["driver", "rider"]) == nil)
    }
}
