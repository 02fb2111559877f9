/// Which of two versions of one event (same entity, same ``AggregateEvent/id``) is the later: the
/// later created time, then, on equal created times, the later arrival (``AggregateEvent/version``),
/// exactly as the offline history resolves versions of one event. Event time and values play no
/// part; two versions with equal ranks are the same version.
struct VersionRank: Comparable, Hashable {
    var created: Int64
    var version: Int64

    static func < (lhs: VersionRank, rhs: VersionRank) -> Bool {
        (lhs.created, lhs.version) < (rhs.created, rhs.version)
    }
}

/// The value of an event's identity entry (`0x21, id`): which version of the event is stored, and
/// at which event time (so its raw event `0x20, time, id` can be found).
///
/// Encoding: event time, created time, version, each big-endian sign-flipped (24 bytes). Entries
/// written before versions existed hold the two times only (16 bytes) and read as version 0.
struct EventIdentityEntry: Hashable {
    var time: Int64
    var rank: VersionRank

    init(time: Int64, rank: VersionRank) {
        self.time = time
        self.rank = rank
    }

    /// Decodes an entry; `nil` when the bytes are not one.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 16 || bytes.count == 24 else { return nil }
        time = readSortable(bytes, at: 0)
        rank = VersionRank(
            created: readSortable(bytes, at: 8), version: bytes.count == 24 ? readSortable(bytes, at: 16) : 0)
    }

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendSortable(time, to: &out)
        appendSortable(rank.created, to: &out)
        appendSortable(rank.version, to: &out)
        return out
    }
}
