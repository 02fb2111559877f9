import FeatureProfiles
import FeatureStoreCore

/// The hourly profiles of the rows one ingest stored, computed from the parsed rows on a second
/// core while they were inserted, so the profile update that follows the commit need not read
/// them back (``ProfileStore/updateProfiles(of:columns:now:arrived:)``).
///
/// They hold for the rows numbered `after + 1 ... through` (the ingest's arrival numbers), and are
/// built as a read-back builds them: the rows in arrival order, which for one ingest is storage
/// order (event time, file order among equal times), each value as the store returns it.
public struct ArrivedProfiles: Sendable, Equatable {
    /// The history table the rows went into (``HistoryTable/name``, generation included).
    public var table: String
    /// The arrival number before the ingest's first row.
    public var after: Int64
    /// The ingest's last arrival number.
    public var through: Int64
    /// The features profiled.
    public var columns: [OfflineProfileColumn]
    /// Their hourly profiles.
    public var profiles: ProfileAccumulator
    /// The rows profiled.
    public var rows: Int

    /// Profiles `rows` (columns in `table`'s ``HistoryTable/columnNames`` order) in `order`, the
    /// order they were numbered in from `after + 1`.
    package init(
        _ rows: ParsedRows, order: [Int32], table: HistoryTable, columns: [OfflineProfileColumn], after: Int64
    ) throws {
        let distinct = OfflineProfileColumn.distinct(columns)
        var positions: [Int] = [0]
        for field in distinct {
            guard let position = table.columnNames.firstIndex(of: field.name) else {
                throw FeatureStoreError.invalidArgument(
                    "profiled column '\(field.name)' is not a column of \(table.name)")
            }
            positions.append(position)
        }
        var profiler = HistoryProfiler(columns: distinct, bucketLength: ProfileBuckets.hour)
        try profiler.consume(
            ParsedRowsCursor(rows: rows, order: order, positions: positions, types: [.timestamp] + distinct.map(\.type))
        )
        self.table = table.name
        self.after = after
        self.through = after + Int64(order.count)
        self.columns = columns
        self.profiles = try profiler.accumulator(for: columns)
        self.rows = profiler.rows
    }

    /// Runs `insert` (storing `rows` in `order`, numbered from `after + 1`) on the calling thread
    /// while another thread profiles the rows for `columns`.
    ///
    /// - Returns: the profiles; `nil`, having only inserted, when there is nothing to profile, the
    ///   source has `dedupe_on` (which rows are stored is known only after the insert) or the
    ///   profiling failed.
    package static func computed(
        for rows: ParsedRows, order: @autoclosure () -> [Int32], table: HistoryTable, columns: [OfflineProfileColumn],
        after: Int64, whileRunning insert: () throws -> Void
    ) throws -> ArrivedProfiles? {
        guard !columns.isEmpty, table.source.dedupeOn.isEmpty else {
            try insert()
            return nil
        }
        let order = order()
        // Profiles never fail an ingest: without them the update reads the rows back.
        return try Concurrently.run(insert) {
            try? ArrivedProfiles(rows, order: order, table: table, columns: columns, after: after)
        }
    }

    /// The profiles of `features` alone.
    func profiles(of features: Set<ProfiledFeature>) throws -> ProfileAccumulator {
        var result = ProfileAccumulator(bucketLength: profiles.bucketLength)
        for (slot, profile) in profiles.profiles where features.contains(slot.feature) {
            try result.merge(profile, into: slot)
        }
        return result
    }
}

/// Parsed rows as a ``RowCursor`` over some of their columns, in a given row order, each value as
/// a history table returns it once stored (a negative zero reads back as zero in SQLite and is
/// stored as zero in PostgreSQL).
struct ParsedRowsCursor: RowCursor {
    let rows: ParsedRows
    let order: [Int32]
    /// The row position of each cursor column.
    let positions: [Int]
    let types: [ValueType]
    private var index = -1
    private var base = 0

    init(rows: ParsedRows, order: [Int32], positions: [Int], types: [ValueType]) {
        self.rows = rows
        self.order = order
        self.positions = positions
        self.types = types
    }

    mutating func step() throws -> Bool {
        index += 1
        guard index < order.count else { return false }
        base = Int(order[index]) * rows.width
        return true
    }

    @inline(__always) private func cell(_ column: Int32) -> Int64 { rows.cells[base + positions[Int(column)]] }

    func columnName(_ column: Int32) -> String { "column \(positions[Int(column)])" }

    func storage(_ column: Int32) -> CellStorage {
        if isNull(column) { return .null }
        switch types[Int(column)] {
        case .float64: return .real
        case .string: return .text
        case .bytes: return .blob
        case .int64, .bool, .timestamp: return .integer
        }
    }

    func isNull(_ column: Int32) -> Bool { rows.nulls[base + positions[Int(column)]] }

    func int64(_ column: Int32) -> Int64 { cell(column) }

    func double(_ column: Int32) -> Double {
        let value = Double(bitPattern: UInt64(bitPattern: cell(column)))
        return value == 0 ? 0 : value
    }

    func text(_ column: Int32) -> String { withTextBytes(column) { String(decoding: $0, as: UTF8.self) } }

    func blob(_ column: Int32) -> [UInt8] { withBlobBytes(column) { Array($0) } }

    func withTextBytes<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try rows.withBytes(cell(column)) { try body($0.bindMemory(to: UInt8.self)) }
    }

    func withBlobBytes<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try rows.withBytes(cell(column), body)
    }
}
