/// Where one generation of one aggregate view keeps its events in Redis (fs's own layout, not
/// Feast's: Feast has no windowed aggregates). Per entity, two keys under the entity's hash tag
/// (`{hex of the entity key}`), so an entity lives on one cluster slot and one script updates it
/// atomically:
/// - `fs:agg:{entity}:project:view:generation:t`: a sorted set of event ids scored by event time
///   (microseconds; a score is a double, so reads filter the exact times they decode);
/// - `fs:agg:{entity}:project:view:generation:v`: a hash from event id to the stored version
///   (``RedisAggregateEvent``).
///
/// Both expire by themselves once their newest event is older than the view's retention (the
/// longest window plus lateness). A third key per view and generation, `fs:{project}:agg-state:
/// view:generation`, records that the state was written (``RedisOnlineStore/aggregateStateIsEmpty(_:)``).
public struct RedisAggregateKeyspace: Hashable, Sendable {
    public let project: String
    public let view: String
    public let generation: Int64

    public init(project: String, view: String, generation: Int64) {
        self.project = project
        self.view = view
        self.generation = generation
    }

    /// The sorted set of an entity's event ids; `entity` is any unique encoding of its key.
    public func timesKey(entity: [UInt8]) -> [UInt8] { key(entity: entity, suffix: "t") }

    /// The hash of an entity's stored event versions.
    public func eventsKey(entity: [UInt8]) -> [UInt8] { key(entity: entity, suffix: "v") }

    /// The key that says the view's state was written.
    public var stateKey: [UInt8] { Array("fs:{\(project)}:agg-state:\(view):\(generation)".utf8) }

    private func key(entity: [UInt8], suffix: String) -> [UInt8] {
        var out = Array("fs:agg:{".utf8)
        out.reserveCapacity(out.count + 2 * entity.count + project.utf8.count + view.utf8.count + 32)
        let digits = Array("0123456789abcdef".utf8)
        for byte in entity {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        out += Array("}:\(project):\(view):\(generation):\(suffix)".utf8)
        return out
    }
}
