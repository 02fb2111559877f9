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
                let before = try readSnapshot()
                if let registered = before.project, registered != project, !before.definitions.isEmpty {
                    throw FeatureStoreError(
                        .conflict,
                        "the registry at \(path) holds project '\(registered)', not '\(project)'; point `registry` in feature_store.yaml at another file, or run `fs teardown` first"
                    )
                }
                let plan = RegistryPlan(from: before.definitions, to: definitions)
                let breaking = plan.breakingChanges
                if !breaking.isEmpty && !allowBreaking {
                    let list = breaking.map { "  \($0.id): \($0.breaking ?? "")" }.joined(separator: "\n")
                    throw FeatureStoreError(
                        .breakingChange,
                        "the plan has \(breaking.count) breaking change\(breaking.count == 1 ? "" : "s") that would drop stored data:\n\(list)\nRun `fs plan` to see them; apply with --allow-breaking to drop the stale data."
                    )
                }
                if plan.isEmpty && before.project == project {
                    return ApplyResult(plan: plan, before: before, after: before)
                }
                var after = before
                after.project = project
                after.definitions = definitions
                after.version = plan.isEmpty ? before.version : before.version + 1
                let upsert = try database.prepare(
                    """
                    INSERT INTO registry_objects (kind, name, version, generation, spec, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version, generation = excluded.generation,
                    spec = excluded.spec, updated_at = excluded.updated_at
                    """)
                let delete = try database.prepare("DELETE FROM registry_objects WHERE kind = ? AND name = ?")
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for change in plan.changes {
                    let id = change.id
                    if change.action == .remove {
                        try delete.run([.text(id.kind.rawValue), .text(id.name)])
                        after.records[id] = nil
                        continue
                    }
                    let previous = before.records[id]
                    let grows = previous != nil && change.isBreaking
                    let record = ObjectRecord(
                        version: (previous?.version ?? 0) + 1,
                        generation: (previous?.generation ?? 0) + (previous == nil || grows ? 1 : 0),
                        updatedAt: now)
                    after.records[id] = record
                    try upsert.run([
                        .text(id.kind.rawValue), .text(id.name), .integer(record.version), .integer(record.generation),
                        .text(try spec(of: id, in: definitions, encoder: encoder)), .integer(now.microseconds),
                    ])
                }
                try setMeta("project", project)
                try setMeta("version", String(after.version))
                if !plan.isEmpty {
                    try database.prepare("INSERT INTO registry_history (version, applied_at, summary) VALUES (?, ?, ?)")
                        .run([
                            .integer(after.version), .integer(now.microseconds), .text(plan.rendered(verb: "Applied")),
                        ])
                }
                try beforeCommit(before, after)
                return ApplyResult(plan: plan, before: before, after: after)
            }
        }
    }

    private func spec(of id: ObjectID, in definitions: RepoDefinitions, encoder: JSONEncoder) throws -> String {
        let data: Data
        switch id.kind {
        case .entity: data = try encoder.encode(definitions.entity(id.name)!)
        case .source: data = try encoder.encode(definitions.source(id.name)!)
        case .featureView: data = try encoder.encode(definitions.featureView(id.name)!)
        case .featureService: data = try encoder.encode(definitions.featureService(id.name)!)
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func setMeta(_ key: String, _ value: String) throws {
        try database.prepare(
            "INSERT INTO registry_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        .run([.text(key), .text(value)])
    }
}
