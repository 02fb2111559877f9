import Synchronization

/// An in-process cache of online rows: the encoded record of recently read entities (or the fact
/// that an entity has none), by store key, so a hot lookup never enters RocksDB.
///
/// Written by hand because RocksDB's own row cache still walks the memtable, the file version and
/// each file's index for every key (about 3 us a key over a million entities); a hit here is a hash
/// lookup. Correctness: every write to the `rows` column family goes through ``OnlineStore``, which
/// replaces cached entries after its batch commits and bumps the shard's epoch; a reader that
/// missed remembers the epoch it saw and inserts what RocksDB answered only if no write touched the
/// shard meanwhile, so a value read before a write can never be cached after it.
///
/// Eviction is CLOCK (second chance) per shard, by bytes.
final class OnlineRowCache: Sendable {
    /// What a lookup found: a cached record (`nil` when the entity is known to have none), or a
    /// miss with the epoch to hand back to ``insert(_:record:epoch:)``.
    enum Lookup {
        case hit(CachedRecord?)
        case miss(epoch: UInt64)
    }

    /// A cached record: its bytes start after the key's.
    struct CachedRecord {
        let storage: [UInt8]
        let offset: Int

        func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
            try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        }
    }

    /// One cached entity, under a 64-bit hash of its key; the key itself leads `storage` (checked
    /// on every hit, so two keys with one hash only cost a miss).
    private struct Entry {
        var storage: [UInt8]
        var keyCount: Int
        var hasRecord: Bool
        var referenced: Bool

        var cost: Int { storage.count + OnlineRowCache.overhead }

        init(key: [UInt8], record: [UInt8]?) {
            storage = key
            if let record { storage += record }
            keyCount = key.count
            hasRecord = record != nil
            referenced = false
        }

        func holds(_ key: [UInt8]) -> Bool {
            keyCount == key.count
                && storage.withUnsafeBytes { stored in
                    key.withUnsafeBytes { $0.elementsEqual(UnsafeRawBufferPointer(rebasing: stored[..<keyCount])) }
                }
        }

        var record: CachedRecord? { hasRecord ? CachedRecord(storage: storage, offset: keyCount) : nil }
    }

    private struct Shard {
        var entries: [UInt64: Entry] = [:]
        /// Hashes in CLOCK order; the same set as `entries`.
        var ring: [UInt64] = []
        var hand = 0
        var bytes = 0
        var epoch: UInt64 = 0

        /// Sweeps the hand until the shard fits `capacity`: a referenced entry loses its mark and
        /// stays, an unreferenced one goes. `sparing` (the entry just added) is never evicted.
        mutating func evict(toFit capacity: Int, sparing: UInt64?) {
            while bytes > capacity && ring.count > (sparing == nil ? 0 : 1) {
                if hand >= ring.count { hand = 0 }
                let victim = ring[hand]
                if victim == sparing {
                    hand += 1
                    continue
                }
                if let index = entries.index(forKey: victim), entries.values[index].referenced {
                    entries.values[index].referenced = false
                    hand += 1
                    continue
                }
                if let evicted = entries.removeValue(forKey: victim) { bytes -= evicted.cost }
                ring.swapAt(hand, ring.count - 1)
                ring.removeLast()
            }
        }
    }

    private final class ShardBox: Sendable {
        let state = Mutex(Shard())
    }

    private let shards: [ShardBox]
    private let shardCapacity: Int
    /// Bytes charged per entry besides its key and record (dictionary slot, ring slot, headers).
    static let overhead = 112

    /// A cache holding about `capacity` bytes; zero disables it.
    init(capacity: Int) {
        let count = capacity > 0 ? 16 : 0
        shards = (0..<count).map { _ in ShardBox() }
        shardCapacity = count > 0 ? capacity / count : 0
    }

    var isEnabled: Bool { !shards.isEmpty }

    /// FNV-1a over the key, then a final mix (the low bits pick the shard).
    private static func hash(_ key: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }

    private func shard(_ hash: UInt64) -> ShardBox { shards[Int(hash % UInt64(shards.count))] }

    func lookup(_ key: [UInt8]) -> Lookup {
        let hash = Self.hash(key)
        return shard(hash).state.withLock { shard in
            if let index = shard.entries.index(forKey: hash), shard.entries.values[index].holds(key) {
                shard.entries.values[index].referenced = true
                return .hit(shard.entries.values[index].record)
            }
            return .miss(epoch: shard.epoch)
        }
    }

    /// Caches what RocksDB answered for `key`, unless a write touched the shard since `epoch`.
    func insert(_ key: [UInt8], record: [UInt8]?, epoch: UInt64) {
        let hash = Self.hash(key)
        let entry = Entry(key: key, record: record)
        if entry.cost > shardCapacity { return }
        shard(hash).state.withLock { shard in
            guard shard.epoch == epoch else { return }
            if let existing = shard.entries[hash] {
                // Another key with the same hash: the newer read takes the slot.
                shard.bytes += entry.cost - existing.cost
                shard.entries[hash] = entry
                shard.evict(toFit: shardCapacity, sparing: hash)
                return
            }
            shard.bytes += entry.cost
            shard.entries[hash] = entry
            shard.ring.append(hash)
            shard.evict(toFit: shardCapacity, sparing: hash)
        }
    }

    /// Called after a write committed `records` under their keys: cached entries take the new
    /// records, and readers that missed before the write do not cache what they read.
    func written(_ keys: [[UInt8]], records: [[UInt8]?]) {
        if shards.isEmpty { return }
        for (key, record) in zip(keys, records) {
            let hash = Self.hash(key)
            shard(hash).state.withLock { shard in
                shard.epoch &+= 1
                guard let existing = shard.entries[hash] else { return }
                // The entry of this key (or of another with its hash, which the new one replaces).
                var entry = Entry(key: key, record: record)
                entry.referenced = existing.referenced
                shard.bytes += entry.cost - existing.cost
                shard.entries[hash] = entry
                shard.evict(toFit: shardCapacity, sparing: nil)
            }
        }
    }

    /// Forgets everything (after keyspaces were deleted).
    func removeAll() {
        for box in shards {
            box.state.withLock { shard in
                shard.entries.removeAll()
                shard.ring.removeAll()
                shard.hand = 0
                shard.bytes = 0
                shard.epoch &+= 1
            }
        }
    }

    /// How many entities and bytes are cached (for tests and metrics).
    var usage: (entries: Int, bytes: Int) {
        shards.reduce(into: (0, 0)) { total, box in
            box.state.withLock { shard in
                total.0 += shard.entries.count
                total.1 += shard.bytes
            }
        }
    }
}
