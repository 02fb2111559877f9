import FeatureStoreCore

/// Where one view's rows live in Feast's Redis layout: one hash per entity, keyed by Feast's
/// serialized entity key and the project, shared by every view of that entity; a view's features
/// are fields named by the murmur3 hash of `view:feature`, its event time is `_ts:view`, and fs
/// keeps the row's created time beside it in `_created_ts:view` and the view's generation in
/// `_gen:view` (both ignored by Feast).
///
/// Feast's layout has no room for generations (a breaking change of a view, which RocksDB gives a
/// keyspace of its own): a row whose `_gen:view` is not the keyspace's generation reads as absent,
/// a write of a newer generation replaces it whatever its times, and one of an older generation
/// never replaces a newer one. A row without `_gen:view` (written by Feast) is generation 1.
public struct RedisOnlineKeyspace: Hashable, Sendable {
    public let project: String
    public let view: String
    /// The view's join keys, in the order entity values are given.
    public let joinKeys: [String]
    public let generation: Int64

    public init(project: String, view: String, joinKeys: [String], generation: Int64 = 1) {
        self.project = project
        self.view = view
        self.joinKeys = joinKeys
        self.generation = generation
    }

    /// The Redis key of one entity.
    public func key(_ entity: [FeatureValue]) throws -> [UInt8] {
        try FeastEntityKey.redisKey(joinKeys: joinKeys, values: entity, project: project)
    }

    /// The hash field of one feature: murmur3-32 of `view:feature`, 4 bytes little endian.
    public func field(_ feature: String) -> [UInt8] { Murmur3.fieldBytes("\(view):\(feature)") }

    /// `_ts:view`: the row's event time as a `google.protobuf.Timestamp`.
    public var eventTimeField: [UInt8] { Array("_ts:\(view)".utf8) }

    /// `_created_ts:view`: the row's created time, which breaks ties between equal event times.
    public var createdTimeField: [UInt8] { Array("_created_ts:\(view)".utf8) }

    /// `_gen:view`: the generation of the view that wrote the row, as a decimal.
    public var generationField: [UInt8] { Array("_gen:\(view)".utf8) }

    /// Whether a stored `_gen:view` value (`nil`: none, so generation 1) is this keyspace's.
    func isCurrent(_ stored: [UInt8]?) -> Bool {
        guard let stored else { return generation == 1 }
        return Int64(String(decoding: stored, as: UTF8.self)) == generation
    }
}
