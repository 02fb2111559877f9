import FeatureStoreCore

/// Which features a training set gets.
public enum TrainingSetFeatures: Sendable, Hashable {
    /// `view:feature` references; `view:*` is every feature of the view.
    case references([FeatureReference])
    /// The features of a registered feature service.
    case service(String)

    /// Parses `view:feature,view:*,...`.
    ///
    /// - Throws: ``FeatureStoreError`` (`invalidArgument`) for an item that is not `view:feature`.
    public static func parse(_ list: String) throws -> TrainingSetFeatures {
        var references: [FeatureReference] = []
        for item in list.split(separator: ",") {
            let text = String(item).trimmingCharacters(in: " \t")
            if text.isEmpty { continue }
            guard let reference = FeatureReference(parsing: text) else {
                throw FeatureStoreError.invalidArgument(
                    "'\(text)' is not a feature reference; write view:feature (or view:* for all of a view's features)")
            }
            references.append(reference)
        }
        guard !references.isEmpty else {
            throw FeatureStoreError.invalidArgument("no features given; list them as view:feature,view:feature")
        }
        return .references(references)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        return String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
