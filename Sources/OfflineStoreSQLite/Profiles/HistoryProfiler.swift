import FeatureProfiles
import FeatureStoreCore

/// A feature of a view over a source's history, and the column of the source it reads.
public struct OfflineProfileColumn: Hashable, Sendable {
    public var feature: ProfiledFeature
    /// The column as views name it (the mapped name) and its type.
    public var column: Field

    public init(feature: ProfiledFeature, column: Field) {
        self.feature = feature
        self.column = column
    }
}

/// Profiles the rows of a history table as a SELECT yields them (from either backend's
/// ``RowCursor``): column 0 the event time in microseconds, then one column per entry of
/// ``columns`` (stored values of their declared type).
///
/// Rows are bucketed by event time (hours, or one bucket), and each bucket keeps one profile per
/// column; a scan in event-time order (a history table's clustering order) switches buckets once
/// per bucket, so the cost per value is the profile's own.
package struct HistoryProfiler {
    package let columns: [Field]
    /// Microseconds; 0 keeps one bucket (key 0).
    package let bucketLength: Int64
    package private(set) var buckets: [Int64: [FeatureProfile]] = [:]
    package private(set) var rows = 0

    package init(columns: [Field], bucketLength: TimeSpan) {
        self.columns = columns
        self.bucketLength = max(0, bucketLength.microseconds)
    }

    private var empty: [FeatureProfile] { columns.map { FeatureProfile(type: $0.type) } }

    /// Profiles every row `cursor` yields (specialized per backend, so SQLite's statement is read
    /// directly).
    package mutating func consume<Cursor: RowCursor>(_ cursor: Cursor) throws {
        var statement = cursor
        let types = columns.map(\.type)
        let count = types.count
        var start: Int64 = 0
        var end: Int64 = bucketLength > 0 ? .min : .max
        var current = bucketLength > 0 ? [] : (buckets.removeValue(forKey: 0) ?? empty)
        while try statement.step() {
            rows += 1
            if bucketLength > 0 {
                let time = statement.int64(0)
                if time < start || time >= end {
                    if !current.isEmpty { buckets[start] = current }
                    start =
                        ProfileBuckets.start(
                            of: Timestamp(microseconds: time), length: TimeSpan(microseconds: bucketLength)
                        ).microseconds
                    let (next, overflow) = start.addingReportingOverflow(bucketLength)
                    end = overflow ? .max : next
                    current = buckets.removeValue(forKey: start) ?? empty
                }
            }
            for column in 0..<count {
                let index = Int32(column + 1)
                if statement.isNull(index) {
                    current[column].addNull()
                    continue
                }
                switch types[column] {
                case .float64:
                    current[column].add(statement.double(index))
                case .int64, .timestamp:
                    current[column].add(integer: statement.int64(index))
                case .bool:
                    current[column].add(bool: statement.int64(index) != 0)
                case .string:
                    statement.withTextBytes(index) { current[column].add(utf8: $0) }
                case .bytes:
                    var text = encodeBase64(statement.blob(index))
                    text.withUTF8 { current[column].add(utf8: $0) }
                }
            }
        }
        if !current.isEmpty { buckets[start] = current }
    }

    /// Adds the profile of one row read some other way (a source read in place).
    package mutating func add(_ values: [FeatureValue], at time: Timestamp) {
        rows += 1
        let key =
            bucketLength > 0
            ? ProfileBuckets.start(of: time, length: TimeSpan(microseconds: bucketLength)).microseconds : 0
        var current = buckets.removeValue(forKey: key) ?? empty
        for (column, value) in values.enumerated() { current[column].add(value) }
        buckets[key] = current
    }

    /// The profiles per feature and bucket: each column's profiles go to every feature reading it.
    package func accumulator(for features: [OfflineProfileColumn]) throws -> ProfileAccumulator {
        var result = ProfileAccumulator(bucketLength: TimeSpan(microseconds: bucketLength))
        for (start, profiles) in buckets {
            for feature in features {
                guard let index = columns.firstIndex(of: feature.column) else { continue }
                let slot = result.slot(of: feature.feature, at: Timestamp(microseconds: start))
                try result.merge(profiles[index], into: slot)
            }
        }
        return result
    }
}
