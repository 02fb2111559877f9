import FeatureStoreCore
import Foundation

/// A condition on one feature's drift that makes `fs drift` fail: `psi>0.25`, `js>=0.1`,
/// `null_ratio>0.05`. Several rules separated by commas fire when any of them does.
public struct DriftRule: Sendable, Equatable, CustomStringConvertible {
    public enum Metric: String, Sendable, CaseIterable {
        /// The population stability index.
        case psi
        /// The Jensen-Shannon distance.
        case js
        /// The window's share of nulls.
        case nullRatio = "null_ratio"
    }

    public enum Comparison: String, Sendable {
        case greater = ">"
        case greaterOrEqual = ">="
    }

    public var metric: Metric
    public var comparison: Comparison
    public var threshold: Double

    public init(metric: Metric, comparison: Comparison, threshold: Double) {
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
    }

    public var description: String { "\(metric.rawValue)\(comparison.rawValue)\(threshold)" }

    /// Whether the rule fires for a value of its metric.
    public func fires(_ value: Double) -> Bool {
        switch comparison {
        case .greater: value > threshold
        case .greaterOrEqual: value >= threshold
        }
    }

    /// Parses a comma-separated list of rules.
    ///
    /// - Throws: ``FeatureStoreError`` (`invalidArgument`) naming the rule and what is wrong with it.
    public static func parseList(_ text: String) throws -> [DriftRule] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !parts.isEmpty, !parts.allSatisfy(\.isEmpty) else {
            throw FeatureStoreError.invalidArgument(
                "the drift rule is empty; write METRIC>NUMBER such as psi>0.25 (metrics: \(metricNames))")
        }
        return try parts.map(parse)
    }

    /// Parses one rule (`psi>0.25`).
    public static func parse(_ text: String) throws -> DriftRule {
        let rule = text.filter { $0 != " " }
        let operators: [(String, Comparison)] = [(">=", .greaterOrEqual), (">", .greater)]
        for (symbol, comparison) in operators {
            guard let range = rule.range(of: symbol) else { continue }
            let name = String(rule[..<range.lowerBound])
            let number = String(rule[range.upperBound...])
            guard let metric = Metric(rawValue: name) else {
                let names = Metric.allCases.map(\.rawValue)
                throw FeatureStoreError.invalidArgument(
                    "unknown metric '\(name)' in drift rule '\(text)'; use one of \(metricNames).\(Suggestion.didYouMean(name, in: names))"
                )
            }
            guard let threshold = Double(number), threshold.isFinite, threshold >= 0 else {
                throw FeatureStoreError.invalidArgument(
                    "the threshold '\(number)' in drift rule '\(text)' is not a finite number of at least 0; write e.g. \(metric.rawValue)>0.25"
                )
            }
            return DriftRule(metric: metric, comparison: comparison, threshold: threshold)
        }
        throw FeatureStoreError.invalidArgument(
            "drift rule '\(text)' has no '>' or '>='; write METRIC>NUMBER such as psi>0.25 (metrics: \(metricNames))")
    }

    private static var metricNames: String { Metric.allCases.map(\.rawValue).joined(separator: ", ") }
}
