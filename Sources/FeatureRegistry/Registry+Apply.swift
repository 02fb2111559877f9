import FeatureStoreCore
import Foundation
import SQLite

/// What an apply did.
public struct ApplyResult: Sendable {
    public var plan: RegistryPlan
    /// The snapshot before and after.
    public var before: RegistrySnapshot
    public var after: RegistrySnapshot
    /// What the stores did beside the plan, one line each (columns added in place, rows migrated).
    public var notes: [String] = []
}

extension Registry {
    /// Writes `definitions` as the registry's new content, in one transaction.
    ///
    /// - Parameters:
    ///   - beforeCommit: runs inside the transaction with the before and after snapshots; the
    ///     stores prepare themselves here. If it throws, nothing is written.
    /// - Throws: `breakingChange` when the plan has breaking changes and `allowBreaking` is false;
    ///   `conflict` when the registry belongs to another project.
    public func apply(
        _ definitions: RepoDefinitions, project: String, allowBreaking: Bool, now: Timestamp,
        beforeCommit: (_ before: RegistrySnapshot, _ after: RegistrySnapshot) throws -> Void = { _, _ in }
    ) throws -> ApplyResult {
        try storage {
            try database.transaction {
                let writes = try RegistryWrites(
                    before: try readSnapshot(), definitions: definitions, project: project,
                    allowBreaking: allowBreaking, now: now, location: path)
                if writes.isNoOp { return writes.result }
                let upsert = try database.prepare(
                    """
                    INSERT INTO registry_objects (kind, name, version, generation, spec, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version, generation = excluded.generation,
                    spec = excluded.spec, updated_at = excluded.updated_at
                    """)
                let delete = try database.prepare("DELETE FROM registry_objects WHERE kind = ? AND name = ?")
                for id in writes.deletes {
                    try delete.run([.text(id.kind.rawValue), .text(id.name)])
                }
                for object in writes.upserts {
                    try upsert.run([
                        .text(object.id.kind.rawValue), .text(object.id.name), .integer(object.record.version),
                        .integer(object.record.generation), .text(object.spec),
                        .integer(object.record.updatedAt.microseconds),
                    ])
                }
                for (key, value) in writes.retired { try setMeta(key, value) }
                try setMeta("project", project)
                try setMeta("version", String(writes.after.version))
                if let summary = writes.historySummary {
                    try database.prepare("INSERT INTO registry_history (version, applied_at, summary) VALUES (?, ?, ?)")
                        .run([.integer(writes.after.version), .integer(now.microseconds), .text(summary)])
                }
                try beforeCommit(writes.before, writes.after)
                return writes.result
            }
        }
    }

    private func setMeta(_ key: String, _ value: String) throws {
        try database.prepare(
            "INSERT INTO registry_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        .run([.text(key), .text(value)])
    }
}
