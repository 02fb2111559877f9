import FeatureStoreCore

extension OnlineFeaturesResponse {
    /// A response built from its parts (for the server's encoders and their tests).
    public init(names featureNames: [String], values columns: [[OnlineValue]]) {
        self.featureNames = featureNames
        self.columns = columns
    }
}
