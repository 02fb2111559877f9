import FeatureStoreKit

/// One logged lookup, as the hot path hands it over: references to what it already holds (the
/// plan and the response are copy-on-write), turned into rows by the writer, off the hot path.
struct ServedLogEntry: Sendable {
    var service: String
    /// The service's definition version in the registry the lookup was served from.
    var serviceVersion: Int64
    var plan: OnlineReadPlan
    var response: OnlineFeaturesResponse
    /// The response's columns holding the plan's join keys, in ``OnlineReadPlan/joinKeys`` order.
    var keyColumns: [Int]
    /// The response rows to log (sampled), in order.
    var rows: [Int]
    var requestID: String
    var logTimestamp: Timestamp

    /// The log layout of the entry's service as the plan read it.
    var layout: ServedLogLayout { ServedLogLayout(service: service, plan: plan) }

    /// The log rows of ``rows``, in ``layout`` order.
    var logRows: [ServedLogRow] {
        let featureColumns = plan.reads.flatMap { read in
            read.outputIndexes.map { response.columns.count - plan.featureNames.count + $0 }
        }
        return rows.map { row in
            ServedLogRow(
                keys: keyColumns.map { response.columns[$0][row].value },
                values: featureColumns.map { response.columns[$0][row] }, logTimestamp: logTimestamp,
                requestID: requestID, serviceVersion: serviceVersion)
        }
    }

    /// The entry with only its first `count` rows, and the rest.
    func split(at count: Int) -> (ServedLogEntry, ServedLogEntry) {
        var head = self
        var tail = self
        head.rows = Array(rows.prefix(count))
        tail.rows = Array(rows.dropFirst(count))
        return (head, tail)
    }
}
