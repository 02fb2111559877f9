import FeatureRegistry
import FeatureStoreCore
import Foundation
import OfflineStoreSQLite

/// What `fs verify-consistency` found: per feature, how many sampled entities disagree between
/// the offline (training set) value and the online value at the same time.
public struct ConsistencyReport: Codable, Sendable {
    public struct Mismatch: Codable, Sendable {
        /// The entity's join key values, as text.
        public var entity: [String: String]
        public var offline: String
        public var online: String
    }

    public struct FeatureResult: Codable, Sendable {
        public var view: String
        public var feature: String
        public var checked: Int
        public var mismatches: Int
        /// Up to five examples.
        public var examples: [Mismatch]
    }

    /// The time both sides were evaluated at.
    public var time: Timestamp
    public var features: [FeatureResult]

    public var mismatches: Int { features.reduce(0) { $0 + $1.mismatches } }
}

extension FeatureStore {
    /// Compares, for up to `sample` entities per online view drawn from the offline history, the
    /// training-set value at the current time with the online value read at that same time.
    ///
    /// Floating values agree when within 1e-9 relative; everything else must be equal.
    public func verifyConsistency(sample: Int = 100, views names: [String]? = nil) throws -> ConsistencyReport {
        let snapshot = try snapshot()
        let time = clock()
        let all = snapshot.definitions.featureViews.filter(\.online)
        let views =
            try names.map { names in
                try names.map { name in
                    guard let view = all.first(where: { $0.name == name }) else {
                        throw FeatureStoreError.notFound(
                            "no online feature view '\(name)' is registered.\(Suggestion.didYouMean(name, in: all.map(\.name)))"
                        )
                    }
                    return view
                }
            } ?? all
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "fs-consistency-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var results: [ConsistencyReport.FeatureResult] = []
        for view in views {
            let joinKeys = snapshot.definitions.joinKeys(of: view)
            let keys = try offlineStore().sampleKeys(
                history: historyLocation(of: view, in: snapshot), viewName: view.name, joinKeys: joinKeys, limit: sample
            )
            let features = view.outputFeatures.map(\.name)
            guard !keys.isEmpty else {
                results += features.map { .init(view: view.name, feature: $0, checked: 0, mismatches: 0, examples: []) }
                continue
            }
            // Offline: a spine of the sampled entities at `time`, through the training-set path.
            var spine = [UInt8]()
            for key in keys {
                spine += Array("{".utf8)
                for (joinKey, value) in zip(joinKeys, key) {
                    JSONString.append(joinKey.name, to: &spine)
                    spine += Array(":".utf8)
                    FeastJSON.appendValue(value, to: &spine)
                    spine += Array(",".utf8)
                }
                spine += Array("\"event_timestamp\":\"\(time.rfc3339)\"}\n".utf8)
            }
            let spinePath = (directory as NSString).appendingPathComponent("\(view.name)-spine.jsonl")
            let outputPath = (directory as NSString).appendingPathComponent("\(view.name)-offline.jsonl")
            try Data(spine).write(to: URL(fileURLWithPath: spinePath))
            _ = try trainingSet(
                spine: spinePath, features: .references([FeatureReference(view: view.name, feature: "*")]),
                output: outputPath)
            let offline = try String(contentsOfFile: outputPath, encoding: .utf8).split(separator: "\n").map { line in
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            }
            // Online: the same entities, read at the same time (not the clock's time once the
            // training set is done: windows would have moved on).
            let columns = joinKeys.enumerated().map { index, key in (name: key.name, values: keys.map { $0[index] }) }
            let online = try getOnlineFeatures(
                references: [FeatureReference(view: view.name, feature: "*")], entities: EntityRows(columns: columns),
                at: time)
            for (index, feature) in features.enumerated() {
                let column = online.columns[joinKeys.count + index]
                var result = ConsistencyReport.FeatureResult(
                    view: view.name, feature: feature, checked: keys.count, mismatches: 0, examples: [])
                for (row, key) in keys.enumerated() {
                    let offlineValue = offline[row][feature]
                    let onlineValue = column[row].value
                    if Self.agree(offlineValue, onlineValue) { continue }
                    result.mismatches += 1
                    if result.examples.count < 5 {
                        result.examples.append(
                            .init(
                                entity: Dictionary(uniqueKeysWithValues: zip(joinKeys.map(\.name), key.map(\.text))),
                                offline: offlineValue.map { $0 is NSNull ? "null" : "\($0)" } ?? "null",
                                online: onlineValue.isNull ? "null" : onlineValue.text))
                    }
                }
                results.append(result)
            }
        }
        return ConsistencyReport(time: time, features: results)
    }

    /// Whether a training-set JSON value and an online value are the same value.
    static func agree(_ offline: Any?, _ online: FeatureValue) -> Bool {
        let offlineIsNull = offline == nil || offline is NSNull
        if offlineIsNull || online.isNull { return offlineIsNull && online.isNull }
        switch online {
        case .int64(let v):
            return (offline as? NSNumber)?.int64Value == v && !((offline as? NSNumber).map(isFractional) ?? true)
        case .float64(let v):
            guard let x = (offline as? NSNumber)?.doubleValue else { return false }
            return abs(x - v) <= 1e-9 * max(1, abs(x), abs(v))
        case .bool(let v): return (offline as? Bool) == v || (offline as? NSNumber)?.boolValue == v
        default:
            guard let text = offline as? String else { return false }
            if case .timestamp(let t) = online { return Timestamp.parse(text) == t }
            return text == online.text
        }
    }
}

private func isFractional(_ number: NSNumber) -> Bool {
    number.doubleValue != number.doubleValue.rounded()
}
