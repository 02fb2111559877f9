import FeatureStoreCore
import Testing

@Suite struct QuoteTests {
    @Test func shortValuesAreQuotedWithTheirControlCharactersEscaped() {
        #expect(Quote.value("abc") == "'abc'")
        #expect(Quote.value("") == "''")
        #expect(Quote.value("a\nb\tc\r\u{1}") == "'a\\nb\\tc\\r\\x01'")
        #expect(Quote.value("caf\u{e9}") == "'caf\u{e9}'")
        let invalid: [UInt8] = [0x61, 0xFF, 0x62, 0xED, 0xA0, 0x80]
        #expect(invalid.withUnsafeBufferPointer { Quote.value(utf8: $0) } == "'a\\xFFb\\xED\\xA0\\x80'")
    }

    @Test func longValuesAreCut() {
        let long = String(repeating: "x", count: 10_000_000)
        let quoted = Quote.value(long)
        #expect(quoted.utf8.count < Quote.limit + 40)
        #expect(quoted.hasSuffix("…' (10000000 bytes)"))
        // Never inside a character.
        let accents = String(repeating: "\u{e9}", count: 1_000)
        #expect(Quote.value(accents).hasPrefix("'" + String(repeating: "\u{e9}", count: Quote.limit / 2) + "…'"))
    }

    @Test func listsOfNamesAreBounded() {
        let names = (0..<100_000).map { "column_\($0)" }
        let list = Suggestion.list(names)
        #expect(list.utf8.count < 2 * Quote.limit)
        #expect(list.hasSuffix("more"))
        #expect(Suggestion.list(["a", "b"]) == "'a', 'b'")
        #expect(Suggestion.list([String]()) == "none")
        let huge = String(repeating: "h", count: 5_000_000)
        #expect(Suggestion.list([huge]).utf8.count < 2 * Quote.limit)
        #expect(Suggestion.closest(to: "driver", in: [huge, "drivr"]) == "drivr")
    }
}
