import FeatureStoreCore
import Testing

@testable import OfflineStoreSQLite

@Suite struct ValueParsingTests {
    private func double(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { ValueParsing.double($0) }
    }

    private func int(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBufferPointer { ValueParsing.int64($0) }
    }

    @Test func decimalsRoundTripExactly() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: rng.next() >> 2) * (rng.next() % 2 == 0 ? 1 : -1)
            let short =
                Double(Int64(rng.next() % 2_000_000) - 1_000_000)
                / Double([1, 10, 1000, 1_000_000][Int(rng.next() % 4)])
            for candidate in [value, short] where candidate.isFinite {
                #expect(double(candidate.description) == candidate, "\(candidate.description)")
            }
        }
        #expect(double("0.892291") == 0.892291)
        #expect(double("-12.5") == -12.5)
        #expect(double("1e3") == 1000)
        #expect(double("3") == 3)
    }

    @Test func rejectsWhatIsNotANumber() {
        for text in ["", "abc", "1.2.3", "0x10", "inf", "nan", " 1", "1 ", "--1", "."] {
            #expect(double(text) == nil, "'\(text)'")
        }
    }

    @Test func integersCheckRangeAndSyntax() {
        #expect(int("9223372036854775807") == .max)
        #expect(int("-9223372036854775808") == .min)
        #expect(int("9223372036854775808") == nil)
        #expect(int("12a") == nil)
        #expect(int("-") == nil)
        #expect(int("+7") == 7)
    }
}
