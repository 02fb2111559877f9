import FeatureProfiles
import FeatureStoreCore

extension ComputedColumns {
    /// The profile of each feature column as the training set writes it: one value per spine row,
    /// null where the row found no feature row.
    func profiles(of view: TrainingSetView) -> [ProfiledFeature: FeatureProfile] {
        var result: [ProfiledFeature: FeatureProfile] = [:]
        for (index, feature) in view.features.enumerated() where index < values.count {
            var profile = FeatureProfile(type: feature.type)
            let column = values[index]
            for row in rowForSpine {
                if row >= 0 { profile.add(column[Int(row)]) } else { profile.addNull() }
            }
            result[ProfiledFeature(view: view.view.name, feature: feature.name)] = profile
        }
        return result
    }
}
