import FeastProtos
import FeatureServer
import FeatureStoreKit

extension Feast_Serving_GetOnlineFeaturesRequest {
    /// What the request asks for, in the form the server's lookup takes.
    ///
    /// - Throws: `invalidArgument` when neither `features` nor `feature_service` is set, or when
    ///   `request_context` is given (it feeds on-demand feature views, which fs does not have).
    func selection() throws -> FeatureSelection {
        guard requestContext.isEmpty else {
            let names = requestContext.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw FeatureStoreError.invalidArgument(
                "request_context (\(names)) feeds on-demand feature views, which fs does not have; send only entities")
        }
        switch kind {
        case .features(let list)?:
            return FeatureSelection(features: list.val, fullFeatureNames: fullFeatureNames)
        case .featureService(let name)?:
            return FeatureSelection(service: name, fullFeatureNames: fullFeatureNames)
        case nil:
            throw FeatureStoreError.invalidArgument(
                "name the features: set features (a FeatureList of \"view:feature\") or feature_service")
        }
    }

    /// The number of rows of the longest entity column, to check against `--max-entities` before
    /// any value is read.
    var longestEntityColumn: Int { entities.values.map(\.val.count).max() ?? 0 }

    /// The entity columns typed against `plan`'s join keys, in the plan's join-key order (a
    /// protobuf map has no order of its own). A column that is not a join key is passed on empty,
    /// for ``EntityRows/validated(for:)`` to name with the keys the features need.
    ///
    /// - Throws: `invalidArgument` naming the column and row of a value of the wrong member.
    func entityRows(for plan: OnlineReadPlan) throws -> EntityRows {
        var columns: [(name: String, values: [FeatureValue])] = []
        columns.reserveCapacity(entities.count)
        for key in plan.joinKeys {
            guard let column = entities[key.name] else { continue }
            var values: [FeatureValue] = []
            values.reserveCapacity(column.val.count)
            for (row, value) in column.val.enumerated() {
                values.append(try value.entityKey(as: key.valueType, column: key.name, row: row))
            }
            columns.append((key.name, values))
        }
        for name in entities.keys.sorted() where !plan.joinKeys.contains(where: { $0.name == name }) {
            columns.append((name, []))
        }
        return EntityRows(columns: columns)
    }
}
