import FeastProtos
import FeatureStoreKit
import SwiftProtobuf

extension Feast_Serving_GetOnlineFeaturesResponse {
    /// The lookup's answer in Feast's protobuf form: `metadata.feature_names` (join keys first, then
    /// the features in request order) and one `FeatureVector` per name, with one value, status and
    /// event time per entity row, in request order. A value with no event time (not found) carries
    /// the epoch, as over HTTP.
    init(_ response: OnlineFeaturesResponse) {
        self.init()
        metadata.featureNames.val = response.featureNames
        results.reserveCapacity(response.columns.count)
        let epoch = Google_Protobuf_Timestamp(seconds: 0, nanos: 0)
        for column in response.columns {
            var vector = FeatureVector()
            vector.values.reserveCapacity(column.count)
            vector.statuses.reserveCapacity(column.count)
            vector.eventTimestamps.reserveCapacity(column.count)
            var last: (time: Timestamp, proto: Google_Protobuf_Timestamp)?
            for value in column {
                vector.values.append(Feast_Types_Value(value.value))
                vector.statuses.append(Feast_Serving_FieldStatus(value.status))
                guard let time = value.eventTime else {
                    vector.eventTimestamps.append(epoch)
                    continue
                }
                // Rows of one materialization share their event time: convert it once.
                if let last, last.time == time {
                    vector.eventTimestamps.append(last.proto)
                } else {
                    let proto = Google_Protobuf_Timestamp(time)
                    vector.eventTimestamps.append(proto)
                    last = (time, proto)
                }
            }
            results.append(vector)
        }
        status = true
    }
}

extension Feast_Serving_FieldStatus {
    init(_ status: FeatureStatus) {
        switch status {
        case .present: self = .present
        case .notFound: self = .notFound
        case .nullValue: self = .nullValue
        case .outsideMaxAge: self = .outsideMaxAge
        }
    }
}
