import FeatureStoreCore
import Foundation

/// Builds a ``RegistrySnapshot`` from the rows of `registry_objects`, read in `(kind, name)` order
/// (byte order), the same way for every registry backend.
public struct RegistrySnapshotBuilder {
    private var entities: [Entity] = []
    private var sources: [Source] = []
    private var views: [FeatureView] = []
    private var services: [FeatureService] = []
    private var records: [ObjectID: ObjectRecord] = [:]
    private let decoder = JSONDecoder()

    public init() {}

    /// Adds one row; rows of a kind this fs does not know are skipped.
    public mutating func add(kind: String, name: String, record: ObjectRecord, spec: String) throws {
        guard let kind = ObjectKind(rawValue: kind) else { return }
        let data = Data(spec.utf8)
        do {
            switch kind {
            case .entity: entities.append(try decoder.decode(Entity.self, from: data))
            case .source: sources.append(try decoder.decode(Source.self, from: data))
            case .featureView: views.append(try decoder.decode(FeatureView.self, from: data))
            case .featureService: services.append(try decoder.decode(FeatureService.self, from: data))
            }
        } catch {
            throw FeatureStoreError.storage(
                "the registry entry for \(kind.rawValue) '\(name)' cannot be read (\(error)); was it written by a newer fs?"
            )
        }
        records[ObjectID(kind, name)] = record
    }

    public func snapshot(project: String?, version: Int64) -> RegistrySnapshot {
        RegistrySnapshot(
            project: project, version: version,
            definitions: RepoDefinitions(
                entities: entities, sources: sources, featureViews: views, featureServices: services),
            records: records)
    }
}
