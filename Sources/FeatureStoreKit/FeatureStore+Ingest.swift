import FeatureRegistry
import FeatureStoreCore
import OfflineStoreSQLite

extension FeatureStore {
    /// Appends a file's rows to the offline history of a registered source, all or nothing.
    ///
    /// The format comes from the file's extension (`.csv`, `.jsonl`), or else from the source's
    /// kind. `csv`, `jsonl` and `push` sources have a history table; `sqlite` and `postgres`
    /// sources are read in place and cannot be ingested into.
    ///
    /// - Parameters:
    ///   - source: the registered source's name.
    ///   - file: the CSV (with a header) or JSON Lines file.
    ///   - options: skipping bad rows, progress reporting.
    /// - Throws: ``FeatureStoreError``: `notFound` for an unknown source, `invalidArgument` for a
    ///   `sqlite`, `postgres` or `served_log` source or an unknown format, `invalidInput` for a bad row (naming `file:line`, the
    ///   column and the value).
    public func ingest(source name: String, file: String, options: IngestOptions = IngestOptions()) throws
        -> IngestResult
    {
        let snapshot = try snapshot()
        guard let source = snapshot.definitions.source(name) else {
            let names = snapshot.definitions.sources.map(\.name)
            throw FeatureStoreError.notFound(
                "no source '\(name)' is registered.\(Suggestion.didYouMean(name, in: names)) Registered sources: \(Suggestion.list(names)); run fs apply after adding one."
            )
        }
        if source.kind == .sqlite {
            let place = source.table.map { "table '\($0)'" } ?? "its query"
            throw FeatureStoreError.invalidArgument(
                "source '\(name)' is of kind sqlite: it is read in place from \(place) in the offline database (\(config.offlineStorePath)), so there is nothing to ingest; write its rows into that table instead"
            )
        }
        if source.kind == .postgres {
            let place = source.table.map { "table '\($0)'" } ?? "its query"
            let store =
                config.postgresOfflineStore.map { "the PostgreSQL offline store's database (\($0.displayDSN))" }
                ?? "the PostgreSQL offline store's database"
            throw FeatureStoreError.invalidArgument(
                "source '\(name)' is of kind postgres: it is read in place from \(place) in \(store), so there is nothing to ingest; write its rows into that table instead"
            )
        }
        if source.kind == .servedLog {
            throw FeatureStoreError.invalidArgument(
                "source '\(name)' is of kind served_log: it reads the log fs serve writes for feature service '\(source.service ?? "")' in place (with the outcomes posted to POST /log/outcomes), so there is nothing to ingest"
            )
        }
        guard let format = TabularFormat(path: file) ?? TabularFormat(sourceKind: source.kind) else {
            throw FeatureStoreError.invalidArgument(
                "cannot tell the format of \(file); name it .csv (with a header line) or .jsonl (one JSON object per line)"
            )
        }
        guard let table = historyTables(snapshot).first(where: { $0.source.name == name }) else {
            throw FeatureStoreError.notFound("source '\(name)' has no history table; run fs apply")
        }
        let now = clock()
        var options = options
        if options.eventTimeLimit == nil { options.eventTimeLimit = EventTimeLimit(now: now, skew: config.futureSkew) }
        // The store may profile the rows while inserting them (IngestResult.arrivedProfiles, for
        // updateOfflineProfiles).
        options.profileColumns = offlineProfileColumns(of: source, definitions: snapshot.definitions)
        return try offlineStore().ingest(file: file, format: format, into: table, options: options, now: now)
    }
}

extension TabularFormat {
    /// The file format of a source kind's own files.
    init?(sourceKind: SourceKind) {
        switch sourceKind {
        case .csv: self = .csv
        case .jsonl: self = .jsonl
        case .sqlite, .postgres, .push, .servedLog: return nil
        }
    }
}
