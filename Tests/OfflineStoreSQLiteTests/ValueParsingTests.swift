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

@Suite struct ValueParsingEdgeTests {
    private func double(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { ValueParsing.double($0) }
    }

    private func int(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBufferPointer { ValueParsing.int64($0) }
    }

    /// Finding 5: numbers past a double's range were read as infinities.
    @Test func doublesAreFiniteOnly() {
        for text in ["1e999", "-1e999", "1e309", String(repeating: "9", count: 400), "Infinity", "NaN", "+inf"] {
            #expect(double(text) == nil, "'\(text)'")
        }
        #expect(double("1.7976931348623157e308") == .greatestFiniteMagnitude)
        #expect(double("-1.7976931348623157e308") == -.greatestFiniteMagnitude)
        #expect(double("4.9e-324") == .leastNonzeroMagnitude)
        #expect(double("1e-400") == 0)
        #expect(double("0." + String(repeating: "0", count: 100) + "1") == 1e-101)
    }

    @Test func integersAtTheEdges() {
        #expect(int("-9223372036854775809") == nil)
        #expect(int("-92233720368547758080") == nil)
        #expect(int("00000000000000000000009223372036854775807") == .max)
        #expect(int("-0") == 0)
        for text in ["1.0", "1e2", "1E2", " 1", "1 ", "", "+", "--1", "1_000", "١"] {
            #expect(int(text) == nil, "'\(text)'")
        }
    }
}
