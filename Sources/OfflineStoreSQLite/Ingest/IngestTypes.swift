/// How to ingest a file.
public struct IngestOptions: Sendable {
    /// Commit the good rows and write the bad ones, with their reasons, to ``rejectsPath``
    /// instead of stopping at the first bad row.
    public var skipBadRows: Bool
    /// Where rejected rows go (default: the input path with `.rejects.csv` appended).
    public var rejectsPath: String?
    /// Called about every ``progressInterval`` rows while storing.
    public var progress: (@Sendable (IngestProgress) -> Void)?
    public var progressInterval: Int

    public init(
        skipBadRows: Bool = false, rejectsPath: String? = nil, progress: (@Sendable (IngestProgress) -> Void)? = nil,
        progressInterval: Int = 100_000
    ) {
        self.skipBadRows = skipBadRows
        self.rejectsPath = rejectsPath
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
    /// Rows that were new to the history table.
    public var inserted: Int
    /// Good rows the history already held (the same keys, event and created time).
    public var duplicates: Int
    /// Bad rows written to ``rejectsPath`` (only with ``IngestOptions/skipBadRows``).
    public var rejected: Int
    /// The reject file, when rows were rejected.
    public var rejectsPath: String?
    public var seconds: Double

    /// Rows read per second.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
}
