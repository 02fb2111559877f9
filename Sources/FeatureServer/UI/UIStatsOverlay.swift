import FeatureStoreKit

/// The stats page's figures and bins for an offline profile with, when a feature service logged
/// the feature, its served profile overlaid.
enum UIStatsOverlay {
    /// The profile's figures as (label, value), in the page's order.
    static func figures(_ profile: ProfileSummary) -> [(label: String, value: String)] {
        var figures: [(label: String, value: String)] = [
            ("count", "\(profile.count)"), ("nulls", "\(profile.nulls) (\(UISVG.percent(profile.nullRatio)))"),
            ("invalid (NaN, ±inf)", "\(profile.invalid)"), ("distinct (≈)", "\(profile.distinct)"),
        ]
        if let minimum = profile.minimum { figures.append(("min", minimum.description)) }
        if let maximum = profile.maximum { figures.append(("max", maximum.description)) }
        if let mean = profile.mean { figures.append(("mean", "\(mean)")) }
        if let deviation = profile.standardDeviation { figures.append(("stddev", "\(deviation)")) }
        for point in ProfileSummary.quantilePoints {
            if let value = profile.quantiles?[point.name] { figures.append((point.name, value.description)) }
        }
        for top in profile.top ?? [] {
            figures.append(("top: \(top.value)", "\(top.count) (\(UISVG.percent(top.share)))"))
        }
        return figures
    }

    /// The figures table's rows: the offline value and, with a served profile, the served one
    /// under the same label (`-` where one side has none).
    static func rows(offline: ProfileSummary, served: ProfileSummary?) -> [[String: Any]] {
        let left = figures(offline)
        guard let served else { return left.map { ["label": $0.label, "value": $0.value, "hasServed": false] } }
        let right = figures(served)
        let servedByLabel = Dictionary(right.map { ($0.label, $0.value) }, uniquingKeysWith: { first, _ in first })
        let offlineLabels = Set(left.map(\.label))
        var rows: [[String: Any]] = left.map {
            ["label": $0.label, "value": $0.value, "hasServed": true, "servedValue": servedByLabel[$0.label] ?? "-"]
        }
        for figure in right where !offlineLabels.contains(figure.label) {
            rows.append(["label": figure.label, "value": "-", "hasServed": true, "servedValue": figure.value])
        }
        return rows
    }

    /// Each bin's share of offline and of served values: the bins are the offline profile's
    /// quantile ranges (numbers; served shares read off the served quantiles, linearly between
    /// them, so approximate) or the top values of both (categories).
    static func bins(offline: ProfileSummary, served: ProfileSummary) -> [(
        label: String, offline: Double, served: Double
    )] {
        if offline.top != nil || served.top != nil {
            var values: [String] = (offline.top ?? []).map(\.value)
            for top in served.top ?? [] where !values.contains(top.value) { values.append(top.value) }
            func share(_ profile: ProfileSummary, _ value: String) -> Double {
                profile.top?.first { $0.value == value }?.share ?? 0
            }
            return values.map { ($0, share(offline, $0), share(served, $0)) }
        }
        let edges = points(offline)
        let curve = points(served)
        guard edges.count >= 2, curve.count >= 2 else { return [] }
        var bins: [(label: String, offline: Double, served: Double)] = []
        let below = cumulative(curve, at: edges[0].value.nextDown)
        if below > 0 { bins.append(("below \(edges[0].value)", 0, below)) }
        for index in 1..<edges.count {
            let low = edges[index - 1].value
            let high = edges[index].value
            let start = index == 1 ? cumulative(curve, at: low.nextDown) : cumulative(curve, at: low)
            bins.append(
                (
                    "\(low) to \(high)", edges[index].fraction - edges[index - 1].fraction,
                    max(0, cumulative(curve, at: high) - start)
                ))
        }
        let above = 1 - cumulative(curve, at: edges[edges.count - 1].value)
        if above > 1e-9 { bins.append(("above \(edges[edges.count - 1].value)", 0, above)) }
        return bins
    }

    /// (fraction, value) from the minimum through the quantiles to the maximum.
    static func points(_ profile: ProfileSummary) -> [(fraction: Double, value: Double)] {
        guard let minimum = profile.minimum, let maximum = profile.maximum else { return [] }
        var points: [(fraction: Double, value: Double)] = [(0, UIPages.number(minimum))]
        for point in ProfileSummary.quantilePoints {
            if let value = profile.quantiles?[point.name] { points.append((point.fraction, UIPages.number(value))) }
        }
        points.append((1, UIPages.number(maximum)))
        return points
    }

    /// The share of values at most `x`, linear between the points (the highest point at or
    /// below `x` wins ties).
    static func cumulative(_ points: [(fraction: Double, value: Double)], at x: Double) -> Double {
        guard let first = points.first, let last = points.last else { return 0 }
        if x < first.value { return 0 }
        if x >= last.value { return 1 }
        var index = 0
        while index + 1 < points.count, points[index + 1].value <= x { index += 1 }
        let low = points[index]
        let high = points[index + 1]
        let width = high.value - low.value
        return width > 0 ? low.fraction + (high.fraction - low.fraction) * (x - low.value) / width : low.fraction
    }
}
