import FeatureProfiles
import FeatureStoreCore
import OfflineStoreSQLite
import PostgresClient

/// The profile tables in the store's schema, as the SQLite store keeps them (see its
/// `ProfileTables`): `profiles` (one row per series, view, feature and time bucket, the profile in
/// its binary form as BYTEA), `profile_marks` (per offline series and feature, the arrival number
/// profiled through) and `profile_baselines` (what each named baseline was made from). Created on
/// the first write; reads of a store that never profiled find nothing.
///
/// Writers of one series (an offline source's generation, a feature service's served log, a
/// baseline) hold the series' advisory lock to their commit (``lockSeries(_:_:)``), so a bucket is
/// read, merged and written back by one transaction at a time and no profile is lost or counted twice.
extension PostgresOfflineStore {
    /// Creates the profile tables when missing (inside the writing transaction).
    func createProfileTables(_ transaction: PostgresTransaction) throws {
        guard try !profileTablesExist(transaction) else { return }
        // Serializes first uses from several machines (CREATE ... IF NOT EXISTS races), then looks
        // again: a CREATE INDEX IF NOT EXISTS on a table that has the index still share-locks the
        // table to the commit, which deadlocks with the writer holding the series' lock.
        try transaction.query(
            "SELECT pg_advisory_xact_lock(hashtext($1))", [.text("fs-offline:\(settings.schema)")])
        guard try !profileTablesExist(transaction) else { return }
        try transaction.query(
            """
            CREATE TABLE IF NOT EXISTS \(qualified("profiles")) (
                id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, generation BIGINT NOT NULL,
                view TEXT NOT NULL, feature TEXT NOT NULL, bucket_start BIGINT NOT NULL,
                bucket_length BIGINT NOT NULL, profile BYTEA NOT NULL)
            """)
        try transaction.query(
            "CREATE UNIQUE INDEX IF NOT EXISTS profiles_key ON \(qualified("profiles")) (kind, name, generation, view, feature, bucket_start, bucket_length)"
        )
        try transaction.query(
            "CREATE INDEX IF NOT EXISTS profiles_age ON \(qualified("profiles")) (kind, name, generation, bucket_length, bucket_start)"
        )
        try transaction.query(
            """
            CREATE TABLE IF NOT EXISTS \(qualified("profile_marks")) (
                source TEXT NOT NULL, generation BIGINT NOT NULL, view TEXT NOT NULL, feature TEXT NOT NULL,
                profiled_through BIGINT NOT NULL, PRIMARY KEY (source, generation, view, feature))
            """)
        try transaction.query(
            """
            CREATE TABLE IF NOT EXISTS \(qualified("profile_baselines")) (
                name TEXT PRIMARY KEY, created_at BIGINT NOT NULL, rows BIGINT NOT NULL, origin TEXT NOT NULL,
                features TEXT NOT NULL)
            """)
    }

    /// Whether all three profile tables exist, read from the catalog in the statement's snapshot
    /// (as ``tableExists(_:_:)``).
    private func profileTablesExist(_ transaction: PostgresTransaction) throws -> Bool {
        try transaction.scalarInt(
            "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename IN ('profiles', 'profile_marks', 'profile_baselines')",
            [.text(settings.schema)]) == 3
    }

    /// Whether the profile tables exist.
    func hasProfileTables(_ transaction: PostgresTransaction) throws -> Bool {
        try tableExists("profiles", transaction)
    }

    /// Takes the advisory lock of a series of profiles, held to the end of the transaction (taking
    /// it again in the same transaction is harmless).
    func lockSeries(_ source: ProfileSource, _ transaction: PostgresTransaction) throws {
        try transaction.query(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            [.text("fs-profiles:\(settings.schema):\(source.kind.rawValue):\(source.name):\(source.generation)")])
    }

    /// Merges profiles into the stored buckets of `source` (inside a write transaction, after
    /// ``createProfileTables(_:)``): a stored bucket of the same type is merged with the new
    /// profile, one of another type (the feature's type changed) is replaced by it. Takes the
    /// series' lock.
    func mergeStoredProfiles(
        _ slots: [ProfileSlot: FeatureProfile], into source: ProfileSource, _ transaction: PostgresTransaction
    ) throws {
        guard !slots.isEmpty else { return }
        try lockSeries(source, transaction)
        let ordered = Array(slots)
        var views = PostgresArray(.text, capacity: ordered.count)
        var features = PostgresArray(.text, capacity: ordered.count)
        var starts = PostgresArray(.bigint, capacity: ordered.count)
        var lengths = PostgresArray(.bigint, capacity: ordered.count)
        for (slot, _) in ordered {
            views.append(text: slot.feature.view)
            features.append(text: slot.feature.feature)
            starts.append(slot.bucketStart.microseconds)
            lengths.append(slot.bucketLength.microseconds)
        }
        let series: [PostgresValue] = [.text(source.kind.rawValue), .text(source.name), .integer(source.generation)]
        var stored: [ProfileSlot: FeatureProfile] = [:]
        for row in try transaction.query(
            """
            SELECT p.view, p.feature, p.bucket_start, p.bucket_length, p.profile
            FROM \(qualified("profiles")) p
            JOIN unnest($4::text[], $5::text[], $6::bigint[], $7::bigint[]) AS k (view, feature, bucket_start, bucket_length)
              ON p.view = k.view AND p.feature = k.feature AND p.bucket_start = k.bucket_start
             AND p.bucket_length = k.bucket_length
            WHERE p.kind = $1 AND p.name = $2 AND p.generation = $3
            """,
            series + [.array(views), .array(features), .array(starts), .array(lengths)])
        {
            let slot = ProfileSlot(
                feature: ProfiledFeature(view: try row.text(0), feature: try row.text(1)),
                bucketStart: Timestamp(microseconds: try row.int64(2)),
                bucketLength: TimeSpan(microseconds: try row.int64(3)))
            stored[slot] = try FeatureProfile(decoding: try row.bytes(4))
        }
        var encoded = PostgresArray(.bytea, capacity: ordered.count)
        for (slot, profile) in ordered {
            let merged = try stored[slot].map { try $0.combined(with: profile) } ?? profile
            merged.encoded().withUnsafeBytes { encoded.append(bytes: $0) }
        }
        try transaction.query(
            """
            INSERT INTO \(qualified("profiles")) (kind, name, generation, view, feature, bucket_start, bucket_length, profile)
            SELECT $1, $2, $3, k.view, k.feature, k.bucket_start, k.bucket_length, k.profile
            FROM unnest($4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bytea[])
                AS k (view, feature, bucket_start, bucket_length, profile)
            ON CONFLICT (kind, name, generation, view, feature, bucket_start, bucket_length)
            DO UPDATE SET profile = excluded.profile
            """,
            series + [.array(views), .array(features), .array(starts), .array(lengths), .array(encoded)])
    }

    /// Merges the hourly buckets of `source` that start before the day
    /// ``ProfileBuckets/hourlyRetention`` before `now` into daily buckets (inside a write
    /// transaction, after ``createProfileTables(_:)``). Only those buckets are read. Takes the
    /// series' lock.
    func rollUpProfiles(_ source: ProfileSource, now: Timestamp, _ transaction: PostgresTransaction) throws {
        try lockSeries(source, transaction)
        let cutoff = ProfileBuckets.rollUpBefore(now: now)
        let rows = try transaction.query(
            "SELECT id, view, feature, bucket_start, profile FROM \(qualified("profiles")) WHERE kind = $1 AND name = $2 AND generation = $3 AND bucket_length = $4 AND bucket_start < $5 ORDER BY bucket_start, id",
            [
                .text(source.kind.rawValue), .text(source.name), .integer(source.generation),
                .integer(ProfileBuckets.hour.microseconds), .integer(cutoff.microseconds),
            ])
        guard !rows.isEmpty else { return }
        var days = ProfileAccumulator(bucketLength: ProfileBuckets.day)
        var ids = PostgresArray(.bigint, capacity: rows.count)
        for row in rows {
            ids.append(try row.int64(0))
            let feature = ProfiledFeature(view: try row.text(1), feature: try row.text(2))
            let slot = days.slot(of: feature, at: Timestamp(microseconds: try row.int64(3)))
            let profile = try FeatureProfile(decoding: try row.bytes(4))
            // Rows come in bucket order: of buckets of a former type, the later hour stays.
            try days.combine(profile, into: slot)
        }
        try transaction.query("DELETE FROM \(qualified("profiles")) WHERE id = ANY($1::bigint[])", [.array(ids)])
        try mergeStoredProfiles(days.profiles, into: source, transaction)
    }

    /// Deletes the served-profile buckets (hours and days) that start before `before`, of one
    /// feature service or all of them (inside the transaction that prunes the served log).
    ///
    /// - Returns: the buckets deleted per feature service (``ServedLogPruneReport/profileBuckets``).
    func deleteServedProfiles(service: String?, before: Timestamp, _ transaction: PostgresTransaction) throws
        -> [String: Int]
    {
        guard try hasProfileTables(transaction) else { return [:] }
        var condition = "kind = 'served' AND bucket_start < $1"
        var bounds: [PostgresValue] = [.integer(before.microseconds)]
        if let service {
            condition += " AND name = $2"
            bounds.append(.text(service))
        }
        var deleted: [String: Int] = [:]
        for row in try transaction.query(
            "DELETE FROM \(qualified("profiles")) WHERE \(condition) RETURNING name", bounds)
        {
            deleted[try row.text(0), default: 0] += 1
        }
        return deleted
    }
}

extension PostgresOfflineStore {
    /// Merges profiles into the stored buckets of a series, in one transaction, then merges hourly
    /// buckets older than ``ProfileBuckets/hourlyRetention`` at `now` into days (see
    /// ``OfflineStore/mergeProfiles(_:into:now:)``).
    public func mergeProfiles(_ profiles: ProfileAccumulator, into source: ProfileSource, now: Timestamp) throws {
        guard !profiles.isEmpty else { return }
        try write { transaction in
            try createProfileTables(transaction)
            try mergeStoredProfiles(profiles.profiles, into: source, transaction)
            try rollUpProfiles(source, now: now, transaction)
        }
    }

    /// The profiles of `feature` in `source` whose buckets start in `[from, to)` (every bucket
    /// when both are `nil`), merged; `nil` when there are none.
    public func storedProfile(
        of source: ProfileSource, feature: ProfiledFeature, from: Timestamp? = nil, to: Timestamp? = nil
    ) throws -> StoredProfile? {
        try read { reader in
            guard try hasProfileTables(reader.transaction) else { return nil }
            return try storedProfile(of: source, feature: feature, from: from, to: to, reader.transaction)
        }
    }

    /// ``storedProfile(of:feature:from:to:)`` inside a transaction that found the profile tables.
    func storedProfile(
        of source: ProfileSource, feature: ProfiledFeature, from: Timestamp?, to: Timestamp?,
        _ transaction: PostgresTransaction
    ) throws -> StoredProfile? {
        var result: StoredProfile?
        for row in try transaction.query(
            "SELECT bucket_start, bucket_length, profile FROM \(qualified("profiles")) WHERE kind = $1 AND name = $2 AND generation = $3 AND view = $4 AND feature = $5 AND bucket_start >= $6 AND bucket_start < $7 ORDER BY bucket_start",
            [
                .text(source.kind.rawValue), .text(source.name), .integer(source.generation), .text(feature.view),
                .text(feature.feature), .integer((from ?? .min).microseconds), .integer((to ?? .max).microseconds),
            ])
        {
            try StoredProfile.add(
                FeatureProfile(decoding: try row.bytes(2)), start: Timestamp(microseconds: try row.int64(0)),
                length: TimeSpan(microseconds: try row.int64(1)), to: &result)
        }
        return result
    }

    /// The series of a kind that hold profiles (names in byte order, as SQLite sorts them).
    public func profileSources(kind: ProfileSourceKind) throws -> [ProfileSource] {
        try read { reader in
            guard try hasProfileTables(reader.transaction) else { return [] }
            return try reader.transaction.query(
                "SELECT DISTINCT name COLLATE \"C\", generation FROM \(qualified("profiles")) WHERE kind = $1 ORDER BY 1, 2",
                [.text(kind.rawValue)]
            ).map { ProfileSource(kind: kind, name: try $0.text(0), generation: try $0.int64(1)) }
        }
    }

    /// The features `source` holds profiles of.
    public func profiledFeatures(of source: ProfileSource) throws -> [ProfiledFeature] {
        try read { reader in
            guard try hasProfileTables(reader.transaction) else { return [] }
            return try reader.transaction.query(
                "SELECT DISTINCT view COLLATE \"C\", feature COLLATE \"C\" FROM \(qualified("profiles")) WHERE kind = $1 AND name = $2 AND generation = $3 ORDER BY 1, 2",
                [.text(source.kind.rawValue), .text(source.name), .integer(source.generation)]
            ).map { ProfiledFeature(view: try $0.text(0), feature: try $0.text(1)) }
        }
    }

    /// Deletes the offline profiles (and marks) that `keep` does not name: those of removed
    /// sources, views and features, and of generations a breaking change replaced (see
    /// ``OfflineStore/dropOfflineProfiles(except:)``).
    public func dropOfflineProfiles(except keep: [ProfileSource: Set<ProfiledFeature>]) throws {
        try write { transaction in
            guard try hasProfileTables(transaction) else { return }
            var stale: [(ProfileSource, ProfiledFeature)] = []
            for row in try transaction.query(
                "SELECT DISTINCT name, generation, view, feature FROM \(qualified("profiles")) WHERE kind = 'offline' UNION SELECT source, generation, view, feature FROM \(qualified("profile_marks"))"
            ) {
                let source = ProfileSource.offline(source: try row.text(0), generation: try row.int64(1))
                let feature = ProfiledFeature(view: try row.text(2), feature: try row.text(3))
                if keep[source]?.contains(feature) != true { stale.append((source, feature)) }
            }
            for (source, feature) in stale {
                let key: [PostgresValue] = [
                    .text(source.name), .integer(source.generation), .text(feature.view), .text(feature.feature),
                ]
                try transaction.query(
                    "DELETE FROM \(qualified("profiles")) WHERE kind = 'offline' AND name = $1 AND generation = $2 AND view = $3 AND feature = $4",
                    key)
                try transaction.query(
                    "DELETE FROM \(qualified("profile_marks")) WHERE source = $1 AND generation = $2 AND view = $3 AND feature = $4",
                    key)
            }
        }
    }
}

extension PostgresArray {
    /// An element of a `text` array.
    mutating func append(text: String) {
        var text = text
        text.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension PostgresResultRow {
    /// A `bytea` cell's bytes.
    func bytes(_ column: Int) throws -> [UInt8] {
        guard case .blob(let bytes) = try value(column) else {
            throw FeatureStoreError.storage(
                "column '\(columnName(column))' is not binary; was the table written by another program or a newer fs?")
        }
        return bytes
    }
}
