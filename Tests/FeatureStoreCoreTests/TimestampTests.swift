import FeatureStoreCore
import Foundation
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2024-02-29T12:34:56Z", Int64(1_709_210_096_000_000)),
        ("2024-02-29T12:34:56.5Z", Int64(1_709_210_096_500_000)),
        ("2024-02-29T12:34:56.123456000Z", Int64(1_709_210_096_123_456)),
        ("2024-02-29T14:34:56+02:00", Int64(1_709_210_096_000_000)),
        ("2024-02-29T07:04:56-0530", Int64(1_709_210_096_000_000)),
        ("2024-02-29 12:34:56z", Int64(1_709_210_096_000_000)),
        ("1969-12-31T23:59:59.999999Z", Int64(-1)),
    ])
    func parsesRFC3339(text: String, micros: Int64) {
        #expect(Timestamp.parse(text)?.microseconds == micros)
    }

    @Test(arguments: [
        "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
        "2024-01-01T00:00:00", "2024-01-01", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00Zjunk",
        "2024-01-01T00:00:00+25:00", "", "yesterday",
    ])
    func rejectsInvalid(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func epochFormats() {
        #expect(Timestamp.parse("1700000000", format: .epochSeconds)?.microseconds == 1_700_000_000_000_000)
        #expect(Timestamp.parse("1700000000.25", format: .epochSeconds)?.microseconds == 1_700_000_000_250_000)
        #expect(Timestamp.parse("1700000000123", format: .epochMilliseconds)?.microseconds == 1_700_000_000_123_000)
        #expect(Timestamp.parse("abc", format: .epochMilliseconds) == nil)
    }

    /// Printing and parsing agree with Foundation's calendar on random instants, and round-trip.
    @Test(arguments: 0..<20)
    func matchesFoundationOnRandomInstants(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        for _ in 0..<500 {
            // Years 1900 to 2200.
            let seconds = Int64(rng.next() % 9_467_280_000) - 2_208_988_800
            let micros = Int64(rng.next() % 1_000_000)
            let timestamp = Timestamp(microseconds: seconds * 1_000_000 + micros)
            let text = timestamp.rfc3339
            #expect(Timestamp.parse(text) == timestamp, "round trip of \(text)")
            let reference = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
            #expect(text.prefix(19) == reference.prefix(19), "\(text) vs Foundation \(reference)")
        }
    }
}
