import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient

/// Stores parsed rows in a history table, inside the writing transaction and with the arrival
/// counter's row lock held (so no other writer changes the table meanwhile): the PostgreSQL side
/// of ``OfflineStore``'s `HistoryInserter`, with the same outcome row for row.
///
/// Without `dedupe_on` every row is a new event; rows are inserted in event-time order (the
/// clustering key's order, input order among equal times, so its B-tree takes near-appends); an
/// ingest's rows are numbered in that order, a push's in input order (its caller gets each row's
/// number), as ``OfflineStore`` numbers them. With `dedupe_on`, see ``storeDeduplicated(_:table:firstSequence:_:progress:)``.
enum HistoryWriter {
    /// What storing did: the counts of ``IngestStoreOutcome`` and ``AppendResult``.
    struct Outcome {
        var inserted = 0
        var replaced = 0
        var duplicates = 0
    }

    /// How a batch's rows are numbered.
    enum Numbering {
        /// In the order they are stored (an ingest: the index on arrival numbers takes appends).
        case storageOrder
        /// In input order (a push, whose result names each row's number).
        case inputOrder
    }

    /// Stores `rows` (in ``HistoryTable/columnNames`` order) under arrival numbers from
    /// `firstSequence`, numbered as `numbering` says without `dedupe_on`, in input order with it.
    static func store(
        _ rows: ParsedRows, table: HistoryTable, firstSequence: Int64, numbering: Numbering,
        _ transaction: PostgresTransaction, progress: (Int) -> Void
    ) throws -> Outcome {
        if table.keepsReplacedVersions {
            return try storeDeduplicated(
                rows, table: table, firstSequence: firstSequence, transaction, progress: progress)
        }
        let order = rows.storageOrder(eventColumn: 0)
        let sequences =
            switch numbering {
            case .storageOrder: order.indices.map { firstSequence + Int64($0) }
            case .inputOrder: order.map { firstSequence + Int64($0) }
            }
        try ColumnInserter(table: table.name, columns: table.columnNames, types: table.columnTypes).insert(
            rows, selection: order, sequences: sequences, transaction, progress: progress)
        return Outcome(inserted: rows.count)
    }
}
