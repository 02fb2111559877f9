import FeatureRegistry
import FeatureStoreCore
import PostgresClient

extension PostgresRegistry {
    /// Writes `definitions` as the registry's new content, in one transaction that holds the apply
    /// lock from before it reads the current content until it commits: a concurrent apply waits
    /// (up to ``lockTimeout``) and then plans against this one's result.
    ///
    /// - Parameters:
    ///   - beforeCommit: runs inside the transaction with the before and after snapshots; the
    ///     stores prepare themselves here. If it throws, nothing is written.
    /// - Throws: `breakingChange`, `conflict` (as ``RegistryWrites``); `locked` when another apply
    ///   holds the lock for longer than ``lockTimeout``.
    public func apply(
        _ definitions: RepoDefinitions, project: String, allowBreaking: Bool, now: Timestamp,
        beforeCommit: (_ before: RegistrySnapshot, _ after: RegistrySnapshot) throws -> Void = { _, _ in }
    ) throws -> ApplyResult {
        try locked(.apply) { transaction in
            let writes = try RegistryWrites(
                before: try readSnapshot(transaction), definitions: definitions, project: project,
                allowBreaking: allowBreaking, now: now, location: location)
            if writes.isNoOp { return writes.result }
            for id in writes.deletes {
                try transaction.query(
                    "DELETE FROM \(schema).registry_objects WHERE kind = $1 AND name = $2",
                    [.text(id.kind.rawValue), .text(id.name)])
            }
            for object in writes.upserts {
                try transaction.query(
                    """
                    INSERT INTO \(schema).registry_objects (kind, name, version, generation, spec, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version,
                    generation = excluded.generation, spec = excluded.spec, updated_at = excluded.updated_at
                    """,
                    [
                        .text(object.id.kind.rawValue), .text(object.id.name), .integer(object.record.version),
                        .integer(object.record.generation), .text(object.spec),
                        .integer(object.record.updatedAt.microseconds),
                    ])
            }
            for (key, value) in writes.retired + [("project", project), ("version", String(writes.after.version))] {
                try transaction.query(
                    """
                    INSERT INTO \(schema).registry_meta (key, value) VALUES ($1, $2)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """,
                    [.text(key), .text(value)])
            }
            if let summary = writes.historySummary {
                try transaction.query(
                    "INSERT INTO \(schema).registry_history (version, applied_at, summary) VALUES ($1, $2, $3)",
                    [.integer(writes.after.version), .integer(now.microseconds), .text(summary)])
            }
            try beforeCommit(writes.before, writes.after)
            return writes.result
        }
    }
}
