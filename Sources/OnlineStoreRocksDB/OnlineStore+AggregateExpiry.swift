import FeatureStoreCore
import RocksDB
import Synchronization

/// What the store records about one aggregate keyspace, in the value of its `meta` key: how far
/// its state has been expired, and whether it holds identity entries.
///
/// Encoding: format byte 1, the first hour not yet expired (sign-flipped big-endian), a flags byte
/// (bit 0: identity entries may exist). A keyspace whose meta value is empty was written by the
/// earlier layout (column families `agg_events` and `agg_tiles`).
struct AggregateKeyspaceState: Hashable {
    /// Events of hours before this one, and tiles that end in them, are gone.
    var expiredBefore: Int64
    /// Some event was stored with an identity entry (``AggregateEvent/versionsShareTime`` false):
    /// expiry must remove the entries of the events it removes.
    var hasIdentities: Bool

    static let format: UInt8 = 1

    func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.format]
        appendSortable(expiredBefore, to: &out)
        out.append(hasIdentities ? 1 : 0)
        return out
    }

    init(expiredBefore: Int64, hasIdentities: Bool) {
        self.expiredBefore = expiredBefore
        self.hasIdentities = hasIdentities
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 10, bytes[0] == Self.format else { return nil }
        expiredBefore = readSortable(bytes, at: 1)
        hasIdentities = bytes[9] & 1 != 0
    }
}

/// The length of an hour in microseconds (the bucket of raw events).
let hourLength = TileLevels.lengths[TileLevels.hour]

extension OnlineStore {
    /// Deletes the aggregate state of `layout`'s view that no window can reach at `now`: raw
    /// events of the hours before the one containing the cutoff (with their identity entries),
    /// and tiles that end in those hours. Quiet entities included: the state is ordered by hour
    /// (``AggregateLayout``), so this is one range delete whatever the number of entities.
    ///
    /// ``addEvents(_:layout:now:)`` does the same whenever the cutoff has crossed an hour since
    /// the last time; call this for a view that receives no events (materialization does).
    public func expireAggregates(layout: AggregateLayout, now: Timestamp) throws {
        try layout.checkUsable()
        let cutoff = layout.cutoff(at: now).microseconds
        try writeLock.withLock { _ in
            let batch = WriteBatch()
            let state = try prepareKeyspace(layout, cutoff: cutoff, in: batch)
            if batch.count > 0 { try storage { try database.write(batch) } }
            aggregateKeyspaces.withLock { $0[layout.keyspace] = state }
        }
        flushAfterExpiry()
    }

    /// The keyspace's state as known before a write, read from `meta` on first use.
    ///
    /// `nil` for a keyspace never written (no meta key) or written by the earlier layout (an
    /// empty meta value); ``prepareKeyspace(_:cutoff:in:)`` sets it up.
    func storedKeyspaceState(_ keyspace: OnlineKeyspace) throws -> (state: AggregateKeyspaceState?, legacy: Bool) {
        if let known = aggregateKeyspaces.withLock({ $0[keyspace] }) { return (known, false) }
        guard let bytes = try storage({ try database.get(keyspace.metaKey, in: meta) }) else { return (nil, false) }
        if bytes.isEmpty { return (nil, true) }
        guard let state = bytes.withUnsafeBytes({ AggregateKeyspaceState($0) }) else {
            throw FeatureStoreError.storage(
                "the online state record of view '\(keyspace.view)' is corrupt; run `fs materialize` for the view again after `fs teardown` of the online store"
            )
        }
        return (state, false)
    }

    /// Adds to `batch` what a write to the keyspace needs first, under ``writeLock``: the earlier
    /// layout's state dropped, the expiry due at `cutoff`, and the keyspace's meta record.
    ///
    /// - Returns: the keyspace's state once `batch` is written (the caller caches it then).
    @discardableResult
    func prepareKeyspace(_ layout: AggregateLayout, cutoff: Int64, in batch: WriteBatch) throws
        -> AggregateKeyspaceState
    {
        let keyspace = layout.keyspace
        let (known, legacy) = try storedKeyspaceState(keyspace)
        if legacy {
            // State in the earlier layout is not read any more: dropped, as after a breaking change.
            for family in [legacyAggregateEvents, legacyAggregateTiles] {
                batch.deleteRange(from: keyspace.prefix, to: keyspace.end, in: family)
            }
        }
        let hour = AggregateLayout.hour(of: cutoff)
        guard var state = known else {
            let state = AggregateKeyspaceState(expiredBefore: hour, hasIdentities: false)
            batch.put(keyspace.metaKey, state.encoded(), in: meta)
            return state
        }
        guard hour > state.expiredBefore else { return state }
        // Nothing before `expiredBefore` is left or written again (``effectiveCutoff(_:_:)``), so
        // each expiry deletes (and scans) only the hours the cutoff passed since the last one:
        // one range delete, never overlapping another, and no scan over keys one deleted.
        let first = layout.hourBound(state.expiredBefore)
        let last = layout.hourBound(hour)
        if state.hasIdentities {
            try storage {
                try database.scan(from: first, to: last, in: aggregates) { key, value in
                    guard let (_, entity) = layout.tileLevelAndEntity(ofKey: key),
                        let decoded = AggregateTileCodec.decode(value, layout: layout, events: true)
                    else { return true }
                    for event in decoded.leaf ?? [] where event.indexed {
                        batch.delete(layout.identityKey(entity: entity, id: event.id), in: aggregates)
                    }
                    return true
                }
            }
        }
        batch.deleteRange(from: first, to: last, in: aggregates)
        expiredSinceFlush.withLock { $0 += 1 }
        state.expiredBefore = hour
        batch.put(keyspace.metaKey, state.encoded(), in: meta)
        return state
    }

    /// After a write that expired state: range deletes in the memtable cost every new iterator
    /// (RocksDB fragments them per iterator until they are flushed), so after a few, the memtable
    /// is flushed in the background, where they are fragmented once per file.
    func flushAfterExpiry() {
        let due = expiredSinceFlush.withLock { count in
            guard count >= 4 else { return false }
            count = 0
            return true
        }
        if due { try? database.flush(aggregates, wait: false) }
    }

    /// Events before this are too late for a write with `cutoff`: the cutoff, or the start of the
    /// first hour not expired when a write comes with an earlier clock than an earlier one, so
    /// nothing is ever stored where expiry has passed.
    func effectiveCutoff(_ cutoff: Int64, _ state: AggregateKeyspaceState) -> Int64 {
        let (start, overflow) = state.expiredBefore.multipliedReportingOverflow(by: hourLength)
        return overflow ? cutoff : Swift.max(cutoff, start)
    }

    /// Records that the keyspace now holds identity entries (in `batch`, and in the returned state).
    func noteIdentities(_ state: AggregateKeyspaceState, _ layout: AggregateLayout, in batch: WriteBatch)
        -> AggregateKeyspaceState
    {
        guard !state.hasIdentities else { return state }
        var state = state
        state.hasIdentities = true
        batch.put(layout.keyspace.metaKey, state.encoded(), in: meta)
        return state
    }
}
