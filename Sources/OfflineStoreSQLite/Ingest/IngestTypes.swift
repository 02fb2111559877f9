import FeatureStoreCore

/// How to ingest a file.
public struct IngestOptions: Sendable {
    /// Commit the good rows and write the bad ones, with their reasons, to ``rejectsPath``
    /// instead of stopping at the first bad row.
    public var skipBadRows: Bool
    /// Where rejected rows go (default: the input path with `.rejects.csv` appended).
    public var rejectsPath: String?
    /// Ingest the file even when the same content was ingested into the source before.
    public var force: Bool
    /// Refuse rows whose event time is later than this limit allows (`nil`: no limit).
    public var eventTimeLimit: EventTimeLimit?
    /// Called about every ``progressInterval`` rows while storing.
    public var progress: (@Sendable (IngestProgress) -> Void)?
    public var progressInterval: Int
    /// The view features profiled over the source (``ProfileStore/updateProfiles(of:columns:now:arrived:)``):
    /// a store may profile the rows it stores on another core while inserting them, and return
    /// the profiles in ``IngestResult/arrivedProfiles``.
    public var profileColumns: [OfflineProfileColumn] = []

    public init(
        skipBadRows: Bool = false, rejectsPath: String? = nil, force: Bool = false,
        eventTimeLimit: EventTimeLimit? = nil, progress: (@Sendable (IngestProgress) -> Void)? = nil,
        progressInterval: Int = 100_000
    ) {
        self.skipBadRows = skipBadRows
        self.rejectsPath = rejectsPath
        self.force = force
        self.eventTimeLimit = eventTimeLimit
        self.progress = progress
        self.progressInterval = progressInterval
    }
}

/// How far an ingest has come (it reads the whole file, then stores the rows in key order).
public struct IngestProgress: Sendable {
    /// The share of the file stored so far, in bytes, and its size.
    public var bytesRead: Int
    public var totalBytes: Int
    /// Rows stored so far.
    public var rows: Int
    public var rejected: Int
    public var seconds: Double
}

/// What an ingest did.
public struct IngestResult: Sendable, Equatable {
    /// Data rows read from the file (not counting the header or blank lines).
    public var rows: Int
    /// Rows stored as new events.
    public var inserted: Int
    /// Rows that replaced a stored event with the same `dedupe_on` values and an earlier (or equal:
    /// the later arrival wins) created time.
    public var replaced: Int
    /// Rows whose event (by `dedupe_on`) was already stored with a later created time.
    public var duplicates: Int
    /// Bad rows written to ``rejectsPath`` (only with ``IngestOptions/skipBadRows``).
    public var rejected: Int
    /// The reject file, when rows were rejected.
    public var rejectsPath: String?
    /// Set when the file's content had been ingested into the source before: nothing was stored.
    public var alreadyIngested: IngestRecord?
    public var seconds: Double
    /// The profiles of the stored rows, when the store computed them while inserting (see
    /// ``IngestOptions/profileColumns``); pass them to the profile update that follows.
    public var arrivedProfiles: ArrivedProfiles?

    public init(
        rows: Int, inserted: Int, replaced: Int = 0, duplicates: Int = 0, rejected: Int = 0,
        rejectsPath: String? = nil, seconds: Double
    ) {
        self.rows = rows
        self.inserted = inserted
        self.replaced = replaced
        self.duplicates = duplicates
        self.rejected = rejected
        self.rejectsPath = rejectsPath
        self.seconds = seconds
    }

    /// The result of a file whose content was ingested before.
    init(alreadyIngested: IngestRecord, seconds: Double) {
        self.init(rows: 0, inserted: 0, seconds: seconds)
        self.alreadyIngested = alreadyIngested
    }

    /// Rows read per second.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
}

/// One ingest of a file into a source, as the ingest log keeps it.
public struct IngestRecord: Sendable, Equatable {
    /// The file as it was named.
    public var file: String
    /// ``ContentHash`` of the file's bytes, 32 hex digits.
    public var fingerprint: String
    /// Data rows read.
    public var rows: Int
    /// Rows stored (new or replacing).
    public var stored: Int
    public var ingestedAt: Timestamp
    /// Whether the ingest repeated content on purpose (`--force`).
    public var forced: Bool

    package init(file: String, fingerprint: String, rows: Int, stored: Int, ingestedAt: Timestamp, forced: Bool) {
        self.file = file
        self.fingerprint = fingerprint
        self.rows = rows
        self.stored = stored
        self.ingestedAt = ingestedAt
        self.forced = forced
    }
}
