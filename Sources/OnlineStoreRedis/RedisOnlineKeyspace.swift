import FeatureStoreCore

/// Where one view's rows live in Feast's Redis layout: one hash per entity, keyed by Feast's
/// serialized entity key and the project, shared by every view of that entity; a view's features
/// are fields named by the murmur3 hash of `view:feature`, its event time is `_ts:view`, and fs
/// keeps the row's created time beside it in `_created_ts:view` (which Feast ignores).
public struct RedisOnlineKeyspace: Hashable, Sendable {
    public let project: String
    public let view: String
    /// The view's join keys, in the order entity values are given.
    public let joinKeys: [String]

    public init(project: String, view: String, joinKeys: [String]) {
        self.project = project
        self.view = view
        self.joinKeys = joinKeys
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
}
