import ArgumentParser
import FeatureStoreKit
import Foundation

/// A window length on the command line (`1d`, `6h`, `7d`): positive, at most 366 days.
struct WindowArgument: ExpressibleByArgument {
    var span: TimeSpan

    init?(argument: String) {
        guard let span = TimeSpan(parsing: argument), span > .zero, span <= DurationLimits.window else { return nil }
        self.span = span
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension ProfileSourceKind: ExpressibleByArgument {
    /// `offline` or `served` (baselines are named with --baseline).
    public init?(argument: String) {
        guard let kind = ProfileSourceKind(rawValue: argument), kind != .baseline else { return nil }
        self = kind
    }

    public static var allValueStrings: [String] { ["offline", "served"] }
}

/// Text forms of profile figures for the terminal.
enum ProfileText {
    /// A double with up to six significant digits (`0.499812`, `1.2e+07`).
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }

    static func number(_ value: SummaryNumber) -> String {
        if case .double(let double) = value { return number(double) }
        return value.description
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
}
