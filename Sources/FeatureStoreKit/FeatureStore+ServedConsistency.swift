import FeatureRegistry
import FeatureStoreCore
import OfflineStoreSQLite

/// What `fs consistency` asks for.
public struct ServedConsistencyRequest: Sendable {
    public var service: String
    /// Log rows logged in `[from, to)`; `nil` for no bound.
    public var from: Timestamp?
    public var to: Timestamp?
    /// The overall mismatch ratio above which the run fails.
    public var maxMismatch: Double
    /// The most examples kept per feature.
    public var examples: Int
    /// Store the figures in the offline store (the server's gauges show the latest).
    public var save: Bool

    public init(
        service: String, from: Timestamp? = nil, to: Timestamp? = nil, maxMismatch: Double = 0, examples: Int = 5,
        save: Bool = true
    ) {
        self.service = service
        self.from = from
        self.to = to
        self.maxMismatch = maxMismatch
        self.examples = examples
        self.save = save
    }
}

/// What `fs consistency` found: per feature of the service, the logged rows compared with the
/// offline point-in-time value as of their log time.
public struct ServedConsistencyReport: Sendable, Codable {
    /// A logged row whose served value is not the offline one.
    public struct Example: Sendable, Codable, Hashable {
        public var requestID: String
        public var logTimestamp: Timestamp
        /// The join keys, as text.
        public var keys: [String: String]
        public var served: String
        public var offline: String
        /// `missing`, `extra` or `value`.
        public var kind: String

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id"
            case logTimestamp = "log_timestamp"
            case keys, served, offline, kind
        }
    }

    public struct FeatureResult: Sendable, Codable {
        public var figures: ServedConsistencyFigures
        public var type: ValueType
        /// The worst disagreements (missing and extra values first, then the largest errors).
        public var examples: [Example]

        enum CodingKeys: String, CodingKey {
            case view, feature, type, checked, mismatches, missing, extra, late
            case mismatchRatio = "mismatch_ratio"
            case missingRatio = "missing_ratio"
            case extraRatio = "extra_ratio"
            case lateRatio = "late_ratio"
            case meanAbsoluteError = "mean_abs_error"
            case smape, examples
        }

        public init(figures: ServedConsistencyFigures, type: ValueType, examples: [Example]) {
            self.figures = figures
            self.type = type
            self.examples = examples
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(figures.view, forKey: .view)
            try container.encode(figures.feature, forKey: .feature)
            try container.encode(type, forKey: .type)
            try container.encode(figures.checked, forKey: .checked)
            try container.encode(figures.mismatches, forKey: .mismatches)
            try container.encode(figures.missing, forKey: .missing)
            try container.encode(figures.extra, forKey: .extra)
            try container.encode(figures.late, forKey: .late)
            try container.encode(figures.mismatchRatio, forKey: .mismatchRatio)
            try container.encode(figures.missingRatio, forKey: .missingRatio)
            try container.encode(figures.extraRatio, forKey: .extraRatio)
            try container.encode(figures.lateRatio, forKey: .lateRatio)
            try container.encodeIfPresent(figures.meanAbsoluteError, forKey: .meanAbsoluteError)
            try container.encodeIfPresent(figures.smape, forKey: .smape)
            try container.encode(examples, forKey: .examples)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            figures = ServedConsistencyFigures(
                view: try container.decode(String.self, forKey: .view),
                feature: try container.decode(String.self, forKey: .feature),
                checked: try container.decode(Int.self, forKey: .checked),
                mismatches: try container.decode(Int.self, forKey: .mismatches),
                missing: try container.decode(Int.self, forKey: .missing),
                extra: try container.decode(Int.self, forKey: .extra),
                late: try container.decode(Int.self, forKey: .late),
                meanAbsoluteError: try container.decodeIfPresent(Double.self, forKey: .meanAbsoluteError),
                smape: try container.decodeIfPresent(Double.self, forKey: .smape))
            type = try container.decode(ValueType.self, forKey: .type)
            examples = try container.decode([Example].self, forKey: .examples)
        }
    }

    public var service: String
    public var runAt: Timestamp
    public var from: Timestamp?
    public var to: Timestamp?
    /// Log rows read.
    public var rows: Int
    public var maxMismatch: Double
    public var features: [FeatureResult]

    /// Values compared, over every feature.
    public var checked: Int { features.reduce(0) { $0 + $1.figures.checked } }
    public var mismatches: Int { features.reduce(0) { $0 + $1.figures.mismatches } }
    /// ``mismatches`` over ``checked`` (0 when nothing was checked).
    public var mismatchRatio: Double { checked == 0 ? 0 : Double(mismatches) / Double(checked) }
    /// Whether the overall mismatch ratio is at most ``maxMismatch``.
    public var passed: Bool { mismatchRatio <= maxMismatch }

    enum CodingKeys: String, CodingKey {
        case service
        case runAt = "run_at"
        case from, to, rows
        case maxMismatch = "max_mismatch"
        case checked, mismatches
        case mismatchRatio = "mismatch_ratio"
        case passed, features
    }

    public init(
        service: String, runAt: Timestamp, from: Timestamp?, to: Timestamp?, rows: Int, maxMismatch: Double,
        features: [FeatureResult]
    ) {
        self.service = service
        self.runAt = runAt
        self.from = from
        self.to = to
        self.rows = rows
        self.maxMismatch = maxMismatch
        self.features = features
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(service, forKey: .service)
        try container.encode(runAt, forKey: .runAt)
        try container.encodeIfPresent(from, forKey: .from)
        try container.encodeIfPresent(to, forKey: .to)
        try container.encode(rows, forKey: .rows)
        try container.encode(maxMismatch, forKey: .maxMismatch)
        try container.encode(checked, forKey: .checked)
        try container.encode(mismatches, forKey: .mismatches)
        try container.encode(mismatchRatio, forKey: .mismatchRatio)
        try container.encode(passed, forKey: .passed)
        try container.encode(features, forKey: .features)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        service = try container.decode(String.self, forKey: .service)
        runAt = try container.decode(Timestamp.self, forKey: .runAt)
        from = try container.decodeIfPresent(Timestamp.self, forKey: .from)
        to = try container.decodeIfPresent(Timestamp.self, forKey: .to)
        rows = try container.decode(Int.self, forKey: .rows)
        maxMismatch = try container.decode(Double.self, forKey: .maxMismatch)
        features = try container.decode([FeatureResult].self, forKey: .features)
    }
}

extension FeatureStore {
    /// Replays a feature service's served-vector log through the offline point-in-time join: for
    /// every logged row (join keys, `__log_timestamp`), each feature's offline value as of the log
    /// time, computed by the training-set path (``OfflineStore/pointInTimeValues(spine:name:views:)``,
    /// the views as registered now: ttl and windows included), compared with the served value
    /// (``FeatureValue/isSameValue(as:)``: exact, doubles as stored). Stores the figures
    /// (``OfflineStore/saveConsistencyRun(_:)``) unless `request.save` is false.
    ///
    /// A disagreement whose offline row was created after the log time is late data (the server
    /// could not have served it) and is counted as `late`, not as a mismatch; this needs the
    /// source's `created_timestamp_field` and applies to snapshot views (an aggregate's value comes
    /// from many rows).
    ///
    /// - Throws: `notFound` for an unknown service; `invalidArgument` for a service that neither
    ///   logs nor has logged, or a range that ends before it starts; what a training set throws.
    public func servedConsistency(_ request: ServedConsistencyRequest) throws -> ServedConsistencyReport {
        if let from = request.from, let to = request.to, to <= from {
            throw FeatureStoreError.invalidArgument(
                "the range ends (\(to.rfc3339)) before it starts (\(from.rfc3339)); give --from before --to")
        }
        let runAt = clock()
        let snapshot = try snapshot()
        let layout = try servedLogLayout(service: request.service)
        let offline = try offlineStore()
        let rows = try offline.servedLogRows(layout, from: request.from, to: request.to)
        if rows.isEmpty, snapshot.definitions.featureService(request.service)?.logging == nil {
            throw FeatureStoreError.invalidArgument(
                "feature service '\(request.service)' does not log its lookups, so there is nothing to check; add `logging: { sample_rate: 1 }` to it, fs apply, and serve it with fs serve"
            )
        }
        let views = try trainingSetViews(.service(request.service), fullFeatureNames: true, snapshot: snapshot)
        var offlineValues: [[FeatureValue]] = layout.features.map { _ in [] }
        var created: [[Int64?]?] = layout.features.map { _ in nil }
        if !rows.isEmpty {
            let computed = try offline.pointInTimeValues(
                spine: Self.spine(of: rows, layout: layout), name: "served log of feature service '\(request.service)'",
                views: views)
            for (index, feature) in layout.features.enumerated() {
                guard let view = views.firstIndex(where: { $0.view.name == feature.view }),
                    let column = computed[view].features.firstIndex(where: { $0.name == feature.feature })
                else {
                    offlineValues[index] = rows.map { _ in .null }
                    continue
                }
                offlineValues[index] = computed[view].values[column]
                created[index] = computed[view].created
            }
        }
        let features = ServedConsistencyCheck.compare(
            layout: layout, rows: rows, offline: offlineValues, created: created, examples: request.examples)
        let report = ServedConsistencyReport(
            service: request.service, runAt: runAt, from: request.from, to: request.to, rows: rows.count,
            maxMismatch: request.maxMismatch, features: features)
        if request.save {
            try offline.saveConsistencyRun(
                ServedConsistencyRun(
                    service: request.service, runAt: runAt, from: request.from, to: request.to,
                    features: features.map(\.figures)))
        }
        return report
    }

    /// The spine of logged rows: their join keys and log time, one JSON line each.
    static func spine(of rows: [ServedLogRow], layout: ServedLogLayout) -> [UInt8] {
        var bytes: [UInt8] = []
        for row in rows {
            bytes.append(UInt8(ascii: "{"))
            for (key, value) in zip(layout.keys, row.keys) {
                JSONString.append(key.name, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                FeastJSON.appendValue(value, to: &bytes)
                bytes.append(UInt8(ascii: ","))
            }
            JSONString.append(spineTimestampColumn, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONString.append(row.logTimestamp.rfc3339, to: &bytes)
            bytes += Array("}\n".utf8)
        }
        return bytes
    }
}

/// The comparison of served values with offline ones, per feature: pure, so tests can hold it
/// against a reference.
enum ServedConsistencyCheck {
    /// - Parameters:
    ///   - offline: per layout feature, the offline value at each row.
    ///   - created: per layout feature, the created time of the offline row each row took (`nil`
    ///     when unknown).
    static func compare(
        layout: ServedLogLayout, rows: [ServedLogRow], offline: [[FeatureValue]], created: [[Int64?]?], examples: Int
    ) -> [ServedConsistencyReport.FeatureResult] {
        layout.features.enumerated().map { index, feature in
            var figures = ServedConsistencyFigures(view: feature.view, feature: feature.feature)
            var absolute = 0.0
            var symmetric = 0.0
            var measured = 0
            var worst: [(score: Double, row: Int, kind: String)] = []
            for (row, logged) in rows.enumerated() {
                guard index < logged.values.count, row < offline[index].count else { continue }
                let served = logged.values[index].value
                let expected = offline[index][row].asStoredInSQLite
                figures.checked += 1
                let same = served.isSameValue(as: expected)
                if !same, let time = created[index]?[row] ?? nil, time > logged.logTimestamp.microseconds {
                    figures.late += 1
                    continue
                }
                var score = Double.infinity
                if let a = served.number, let b = expected.number, a.isFinite, b.isFinite {
                    let error = abs(a - b)
                    let scale = (abs(a) + abs(b)) / 2
                    if error.isFinite {
                        absolute += error
                        symmetric += scale == 0 ? 0 : min(2, error / scale)
                        measured += 1
                        score = error
                    }
                }
                if same { continue }
                figures.mismatches += 1
                let kind: String
                if served.isNull {
                    figures.missing += 1
                    kind = "missing"
                } else if expected.isNull {
                    figures.extra += 1
                    kind = "extra"
                } else {
                    kind = "value"
                }
                worst.append((score, row, kind))
            }
            if measured > 0 {
                figures.meanAbsoluteError = absolute / Double(measured)
                figures.smape = symmetric / Double(measured)
            }
            worst.sort { ($0.score, -$0.row) > ($1.score, -$1.row) }
            let shown = worst.prefix(max(0, examples)).map { entry in
                let logged = rows[entry.row]
                return ServedConsistencyReport.Example(
                    requestID: logged.requestID, logTimestamp: logged.logTimestamp,
                    keys: Dictionary(
                        zip(layout.keys.map(\.name), logged.keys.map { $0.isNull ? "null" : $0.text }),
                        uniquingKeysWith: { first, _ in first }),
                    served: Self.text(logged.values[index].value),
                    offline: Self.text(offline[index][entry.row].asStoredInSQLite), kind: entry.kind)
            }
            return ServedConsistencyReport.FeatureResult(figures: figures, type: feature.type, examples: shown)
        }
    }

    static func text(_ value: FeatureValue) -> String { value.isNull ? "null" : value.text }
}

extension FeatureValue {
    /// An int64 or float64 as a double (`nil` for other types and null).
    var number: Double? {
        switch self {
        case .int64(let v): Double(v)
        case .float64(let v): v
        default: nil
        }
    }
}
