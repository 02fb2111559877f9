import FeatureRepo
import FeatureStoreCore
import Foundation
import Testing

/// Every duration of a view is bounded (``DurationLimits``): a longer one is reported at its
/// `file:line:column` with the supported maximum, so nothing past validation can overflow.
extension ValidationTests {
    static let aggregateView = """
            entities: [driver]
            source: stats
            aggregations:
              - {column: rate, function: sum, window: WINDOW}

        """

    /// The 1-based column of `text` in `line` of `yaml`.
    static func column(of text: String, line: Int, in yaml: String) -> Int {
        let lineText = yaml.split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
        return lineText.distance(from: lineText.startIndex, to: lineText.range(of: text)!.lowerBound) + 1
    }

    @Test func latenessBeyondTheMaximumIsRejected() {
        let yaml = Self.view(
            "    lateness: 106751991d\n" + Self.aggregateView.replacingOccurrences(of: "WINDOW", with: "7d"))
        expect(
            only(yaml), 3, 15,
            contains:
                "'lateness' of feature view 'v' is 106751991d, longer than the supported maximum of 366d (about a year)"
        )
    }

    @Test(arguments: ["367d", "52000w", "15250284w", "99999999999999999999d"])
    func windowBeyondTheMaximumIsRejected(window: String) {
        let yaml = Self.view(Self.aggregateView.replacingOccurrences(of: "WINDOW", with: window))
        let diagnostic = only(yaml)
        expect(
            diagnostic, 6, Self.column(of: window, line: 6, in: yaml),
            contains: "window '\(window)' of view 'v' is")
        #expect(diagnostic?.message.contains("the supported maximum of 366d (about a year)") == true)
    }

    @Test func theLongestWindowIsAccepted() {
        let yaml = Self.view(
            "    lateness: 366d\n" + Self.aggregateView.replacingOccurrences(of: "WINDOW", with: "366d"))
        #expect(
            diagnostics([("entities.yaml", Self.entities), ("sources.yaml", Self.source), ("views.yaml", yaml)]).isEmpty
        )
    }

    @Test func ttlBeyondTheMaximumIsRejected() {
        let d = only(Self.view("    entities: [driver]\n    source: stats\n    ttl: 36501d\n    features: [rate]\n"))
        expect(d, 5, 10, contains: "'ttl' of feature view 'v' is 36501d, longer than the supported maximum of 36500d")
        #expect(d?.message.contains("ttl: 0") == true)
        let far = only(
            Self.view(
                "    entities: [driver]\n    source: stats\n    ttl: 99999999999999999999d\n    features: [rate]\n"))
        expect(far, 5, 10, contains: "longer than the supported maximum of 36500d (about 100 years)")
    }

    @Test(arguments: ["every 367d", "every 500ms"])
    func scheduleOutsideTheSupportedRangeIsRejected(schedule: String) {
        let d = only(
            Self.view("    entities: [driver]\n    source: stats\n    schedule: \(schedule)\n    features: [rate]\n"))
        expect(d, 5, 15, contains: "schedule '\(schedule)' of view 'v' is outside the supported range")
        #expect(d?.message.contains("from 1s to 366d") == true)
    }
}
