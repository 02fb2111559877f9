import FeatureStoreCore
import Testing

@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("90s", Int64(90)), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("1w", 604_800), ("1h30m", 5400),
        ("0", 0), ("1d12h", 129_600),
    ])
    func parses(text: String, seconds: Int64) {
        #expect(TimeSpan(parsing: text)?.microseconds == seconds * 1_000_000)
    }

    @Test(arguments: ["", "5", "5x", "h", "1h-30m", "1.5h", "-1h", "99999999999999999999d"])
    func rejects(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test func canonicalTextRoundTrips() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let span = TimeSpan(microseconds: Int64(rng.next() % 10_000_000_000_000))
            #expect(TimeSpan(parsing: span.description) == span)
        }
        #expect(TimeSpan.hours(36).description == "1d12h")
        #expect(TimeSpan.minutes(90).description == "1h30m")
    }

    @Test func schedules() {
        #expect(Schedule(parsing: "every 5m")?.interval == .minutes(5))
        #expect(Schedule(parsing: "10s")?.interval == .seconds(10))
        #expect(Schedule(parsing: "every 0") == nil)
        #expect(Schedule(parsing: "every now and then") == nil)
    }

    @Test func tooLongIsToldApartFromMalformed() {
        #expect(TimeSpan.parse("99999999999999999999d") == .failure(.tooLong))
        #expect(TimeSpan.parse("106751992d") == .failure(.tooLong))
        #expect(TimeSpan.parse("15250284w1x") == .failure(.notADuration))
        #expect(TimeSpan.parse("106751991d") == .success(.days(106_751_991)))
        #expect(TimeSpan.parse("5x") == .failure(.notADuration))
    }

    /// Printing never traps, even for the extremes of Int64.
    @Test func extremesPrint() {
        #expect(TimeSpan(microseconds: .min).description == "-15250284w3d4h54s775ms808us")
        #expect(TimeSpan(microseconds: .max).description == "15250284w3d4h54s775ms807us")
        #expect(TimeSpan(parsing: TimeSpan(microseconds: .max).description) == TimeSpan(microseconds: .max))
    }

    @Test func limitsDescribeThemselves() {
        #expect(DurationLimits.describe(DurationLimits.window) == "366d (about a year)")
        #expect(DurationLimits.describe(DurationLimits.ttl) == "36500d (about 100 years)")
        #expect(DurationLimits.window >= .days(365))
        #expect(DurationLimits.describe(.hours(36)) == "1d12h")
    }
}
