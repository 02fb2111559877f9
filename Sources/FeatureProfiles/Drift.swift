import FeatureStoreCore
import Foundation

/// One bin of a drift comparison: its label and the share of each side's values in it.
public struct DriftBin: Sendable, Equatable, Codable {
    public var label: String
    public var baseline: Double
    public var window: Double
}

/// How far a window's values have moved from a baseline's.
public struct DriftMeasurement: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable {
        /// Numbers: ten bins cut at the baseline's deciles (fewer when deciles coincide).
        case deciles
        /// Categories: the baseline's most frequent values, and `other`.
        case topK = "top_k"
    }

    public var method: Method
    /// The population stability index, Σ (q - p) ln(q / p) over the bins (p baseline, q window),
    /// with shares below ``Drift/epsilon`` counted as epsilon.
    public var psi: Double
    /// The Jensen-Shannon distance in bits (0 = the same shares, 1 = no overlap).
    public var jensenShannon: Double
    public var bins: [DriftBin]
}

/// Drift between two profiles: the population stability index (PSI) and the Jensen-Shannon
/// distance over bins both profiles can answer for.
///
/// - Numbers: the bins are cut at the baseline's deciles (its quantile sketch at 0.1, ..., 0.9;
///   equal deciles merge, so a feature with few distinct values has fewer bins): `≤ d1`,
///   `(d1, d2]`, ..., `> d9`. Each side's share of a bin comes from its own quantile sketch's ranks,
///   so shares are within the sketches' rank error (1.65%) of the exact ones.
/// - Categories (string, bool, bytes): the bins are the baseline's up to 20 most frequent values
///   and `other`; a side's share of a value is its top-k count over its values (within the top-k
///   error bound), `other` the rest.
/// - Empty bins (the epsilon policy): PSI is infinite when a bin is empty on one side only, so
///   every share below ``epsilon`` (0.0001) is taken as 0.0001 on both sides before PSI is summed
///   (a bin empty on both sides adds 0). A window whose every value falls in one bin of ten equal
///   baseline bins therefore scores about 8.3, not infinity. The Jensen-Shannon distance needs no
///   such rule (0 · log 0 = 0) and uses the shares as they are.
/// - Nulls and invalid values are not in the bins: the null ratios are reported beside the drift.
///
/// Thresholds (``DriftThresholds``): PSI ≥ 0.1 warns, ≥ 0.25 alerts, unless a feature service's
/// `monitoring` says otherwise.
public enum Drift {
    /// The smallest share PSI uses; see the type's description.
    public static let epsilon = 0.0001
    /// The most baseline categories compared (the rest is `other`).
    public static let categoryLimit = 20

    /// Compares a window's profile with a baseline's; `nil` when either side has no values.
    ///
    /// - Throws: ``FeatureStoreError`` (`conflict`) when one profile is numeric and the other categorical.
    public static func measure(baseline: FeatureProfile, window: FeatureProfile) throws -> DriftMeasurement? {
        guard baseline.kind == window.kind else {
            throw FeatureStoreError(
                .conflict,
                "the baseline holds \(baseline.type.rawValue) values and the window \(window.type.rawValue) values; save a new baseline after a type change"
            )
        }
        guard baseline.valueCount > 0, window.valueCount > 0 else { return nil }
        let bins = baseline.kind == .numeric ? decileBins(baseline, window) : categoryBins(baseline, window)
        let p = bins.map(\.baseline)
        let q = bins.map(\.window)
        return DriftMeasurement(
            method: baseline.kind == .numeric ? .deciles : .topK, psi: psi(baseline: p, window: q),
            jensenShannon: jensenShannonDistance(p, q), bins: bins)
    }

    /// The PSI of two share vectors of equal length, with the epsilon policy.
    public static func psi(baseline p: [Double], window q: [Double]) -> Double {
        var total = 0.0
        for (a, b) in zip(p, q) {
            let pa = max(a, epsilon)
            let qb = max(b, epsilon)
            total += (qb - pa) * log(qb / pa)
        }
        return total
    }

    /// The Jensen-Shannon distance (base 2) of two share vectors of equal length, as
    /// `scipy.spatial.distance.jensenshannon(p, q, base=2)` computes it.
    public static func jensenShannonDistance(_ p: [Double], _ q: [Double]) -> Double {
        let sumP = p.reduce(0, +)
        let sumQ = q.reduce(0, +)
        guard sumP > 0, sumQ > 0 else { return 0 }
        var divergence = 0.0
        for (rawA, rawB) in zip(p, q) {
            let a = rawA / sumP
            let b = rawB / sumQ
            let m = (a + b) / 2
            if a > 0 { divergence += 0.5 * a * log2(a / m) }
            if b > 0 { divergence += 0.5 * b * log2(b / m) }
        }
        return max(0, divergence).squareRoot()
    }

    private static func decileBins(_ baseline: FeatureProfile, _ window: FeatureProfile) -> [DriftBin] {
        let base = baseline.quantiles.sortedView()
        let other = window.quantiles.sortedView()
        var cuts: [Double] = []
        for decile in 1...9 {
            let cut = base.quantile(Double(decile) / 10)
            if cuts.last != cut { cuts.append(cut) }
        }
        var bins: [DriftBin] = []
        var previousBase = 0.0
        var previousWindow = 0.0
        for (index, cut) in cuts.enumerated() {
            let rankBase = base.rank(cut)
            let rankWindow = other.rank(cut)
            let label =
                index == 0 ? "<= \(Self.format(cut))" : "(\(Self.format(cuts[index - 1])), \(Self.format(cut))]"
            bins.append(
                DriftBin(label: label, baseline: rankBase - previousBase, window: rankWindow - previousWindow))
            previousBase = rankBase
            previousWindow = rankWindow
        }
        bins.append(
            DriftBin(
                label: "> \(Self.format(cuts.last!))", baseline: max(0, 1 - previousBase),
                window: max(0, 1 - previousWindow)))
        return bins
    }

    private static func categoryBins(_ baseline: FeatureProfile, _ window: FeatureProfile) -> [DriftBin] {
        var summary = baseline.frequent
        summary.reduce()
        let top = summary.items.prefix(categoryLimit)
        let baseTotal = Double(baseline.valueCount)
        let windowTotal = Double(window.valueCount)
        var bins: [DriftBin] = []
        var baseShare = 0.0
        var windowShare = 0.0
        for item in top {
            let p = Double(item.count) / baseTotal
            let q = Double(window.frequent.count(hash: item.hash)) / windowTotal
            bins.append(DriftBin(label: item.label, baseline: p, window: q))
            baseShare += p
            windowShare += q
        }
        bins.append(DriftBin(label: "other", baseline: max(0, 1 - baseShare), window: max(0, 1 - windowShare)))
        return bins
    }

    /// A bin edge as text: the shortest decimal that reads back as the double.
    static func format(_ value: Double) -> String { value.description }
}

/// When drift warns and alerts: PSI at or above each threshold.
public struct DriftThresholds: Sendable, Equatable, Codable {
    public var psiWarn: Double
    public var psiAlert: Double

    public static let defaultWarn = 0.1
    public static let defaultAlert = 0.25

    public init(psiWarn: Double = DriftThresholds.defaultWarn, psiAlert: Double = DriftThresholds.defaultAlert) {
        self.psiWarn = psiWarn
        self.psiAlert = psiAlert
    }

    enum CodingKeys: String, CodingKey {
        case psiWarn = "psi_warn"
        case psiAlert = "psi_alert"
    }

    /// The status of a PSI value.
    public func status(psi: Double) -> DriftStatus {
        if psi >= psiAlert { return .alert }
        if psi >= psiWarn { return .warn }
        return .ok
    }
}

/// The verdict on one feature's drift.
public enum DriftStatus: String, Sendable, Codable, Comparable {
    case ok, warn, alert
    /// The window or the baseline has no values of the feature.
    case noData = "no_data"

    private var order: Int {
        switch self {
        case .noData: 0
        case .ok: 1
        case .warn: 2
        case .alert: 3
        }
    }

    public static func < (lhs: DriftStatus, rhs: DriftStatus) -> Bool { lhs.order < rhs.order }
}
