import FeatureProfiles
import FeatureStoreCore
import OfflineStoreSQLite

/// A training set saved as a baseline.
public struct SavedBaseline: Sendable {
    public var result: TrainingSetResult
    public var baseline: BaselineInfo
    /// The baseline of the same name this one replaced, if any.
    public var replaced: BaselineInfo?
}

extension FeatureStore {
    /// Builds a training set (``trainingSet(spine:features:fullFeatureNames:output:profile:)``) and
    /// saves the profile of each of its feature columns, as written, as the baseline `name`
    /// (replacing a baseline of that name): what `fs drift` compares windows with.
    ///
    /// The profiles come from the values the writer wrote (nothing is read back); the training set
    /// is written first and the baseline saved in one transaction after it.
    ///
    /// - Throws: `invalidArgument` for a name that is not 1 to 128 letters, digits, `_`, `-`, `.`
    ///   (checked before anything is built); the training set's errors.
    public func trainingSet(
        spine: String, features: TrainingSetFeatures, fullFeatureNames: Bool = false, output: String,
        saveProfile name: String
    ) throws -> SavedBaseline {
        guard MonitoringSettings.isValidBaselineName(name) else {
            throw FeatureStoreError.invalidArgument(
                "baseline name '\(name)' must be 1 to 128 letters, digits, '_', '-' or '.', starting with a letter or digit (e.g. ranking_v3)"
            )
        }
        let result = try trainingSet(
            spine: spine, features: features, fullFeatureNames: fullFeatureNames, output: output, profile: true)
        let info = BaselineInfo(
            name: name, createdAt: clock(), rows: result.rows,
            origin: "training set of spine \(spine)\(output == "-" ? "" : " written to \(output)")",
            features: result.profiles.keys.sorted { ($0.view, $0.feature) < ($1.view, $1.feature) })
        let replaced = try offlineStore().saveBaseline(info, profiles: result.profiles)
        return SavedBaseline(result: result, baseline: info, replaced: replaced)
    }

    /// Every saved baseline.
    public func baselines() throws -> [BaselineInfo] {
        try offlineStore().baselines()
    }
}
