import CRocksDB
import Foundation

/// One open RocksDB database with named column families.
///
/// `rocksdb_t` is thread-safe, and nothing here changes after `init`, so one instance is shared
/// across tasks. Every error string and value RocksDB hands back is freed here.
public final class RocksDB: @unchecked Sendable {
    let handle: OpaquePointer
    /// The options every column family was opened with (SST files written for ingestion use them too).
    let options: OpaquePointer
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    private let syncWriteOptions: OpaquePointer
    private let families: [String: OpaquePointer]
    public let path: String

    /// A column family, by name.
    public struct ColumnFamily: @unchecked Sendable {
        let handle: OpaquePointer
    }

    /// Opens (creating when missing) the database at `path` with `columnFamilies` (besides `default`).
    public init(path: String, columnFamilies: [String]) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
        let options = rocksdb_options_create()!
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_create_missing_column_families(options, 1)
        rocksdb_options_increase_parallelism(options, 2)
        rocksdb_options_set_max_open_files(options, 512)
        let table = rocksdb_block_based_options_create()
        let filter = rocksdb_filterpolicy_create_bloom_full(10)
        rocksdb_block_based_options_set_filter_policy(table, filter)
        // Values are small: keep blocks uncompressed so reads from the cache need no decompression.
        rocksdb_options_set_compression(options, 0)
        // Point lookups: keep indexes and filters in the table readers (no cache lookups for them),
        // and give data blocks a hash index so a key is found without a binary search.
        rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 0)
        rocksdb_block_based_options_set_data_block_index_type(table, 1)
        rocksdb_block_based_options_set_data_block_hash_ratio(table, 0.75)
        let cache = rocksdb_cache_create_lru(256 << 20)
        rocksdb_block_based_options_set_block_cache(table, cache)
        rocksdb_options_set_block_based_table_factory(options, table)
        rocksdb_cache_destroy(cache)
        rocksdb_block_based_options_destroy(table)

        let names = ["default"] + columnFamilies
        var cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        var familyOptions = [OpaquePointer?](repeating: options, count: names.count)
        var handles = [OpaquePointer?](repeating: nil, count: names.count)
        let db: OpaquePointer?
        do {
            db = try cNames.withUnsafeMutableBufferPointer { namesBuffer in
                try namesBuffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: names.count) {
                    namePointers in
                    try RocksDBError.check { error in
                        rocksdb_open_column_families(
                            options, path, Int32(names.count), namePointers, &familyOptions, &handles, error)
                    }
                }
            }
        } catch {
            // A failed open (the store locked by another process, say) must not leak the options.
            rocksdb_options_destroy(options)
            throw error
        }
        guard let db else {
            rocksdb_options_destroy(options)
            throw RocksDBError(message: "cannot open \(path)")
        }
        self.handle = db
        self.options = options
        var byName: [String: OpaquePointer] = [:]
        for (name, handle) in zip(names, handles) { byName[name] = handle }
        self.families = byName
        self.readOptions = rocksdb_readoptions_create()
        self.writeOptions = rocksdb_writeoptions_create()
        self.syncWriteOptions = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(syncWriteOptions, 1)
    }

    deinit {
        for handle in families.values { rocksdb_column_family_handle_destroy(handle) }
        rocksdb_close(handle)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_writeoptions_destroy(syncWriteOptions)
        rocksdb_options_destroy(options)
    }

    /// The column family `name` (one of those passed to `init`).
    public func columnFamily(_ name: String) -> ColumnFamily {
        guard let handle = families[name] else { preconditionFailure("column family \(name) was not opened") }
        return ColumnFamily(handle: handle)
    }

    /// The value of `key`, or `nil`.
    public func get(_ key: [UInt8], in family: ColumnFamily) throws -> [UInt8]? {
        try key.withUnsafeBufferPointer { keyBuffer in
            let slice = try RocksDBError.check { error in
                rocksdb_get_pinned_cf(
                    handle, readOptions, family.handle,
                    keyBuffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                    keyBuffer.count, error)
            }
            guard let slice else { return nil }
            defer { rocksdb_pinnableslice_destroy(slice) }
            var length = 0
            guard let value = rocksdb_pinnableslice_value(slice, &length) else { return nil }
            return Array(UnsafeRawBufferPointer(start: value, count: length))
        }
    }

    /// Looks up many keys of one column family in one call; `body` sees each found value in place
    /// (valid only during the call) with the index of its key.
    public func multiGet(
        _ keys: [[UInt8]], in family: ColumnFamily, _ body: (Int, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let count = keys.count
        if count == 0 { return }
        var pointers = [UnsafePointer<CChar>?](repeating: nil, count: count)
        var sizes = [Int](repeating: 0, count: count)
        var slices = [OpaquePointer?](repeating: nil, count: count)
        var errors = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        // Keep the key bytes alive and contiguous for the C call.
        var flat = [UInt8]()
        var offsets = [Int]()
        offsets.reserveCapacity(count)
        for key in keys {
            offsets.append(flat.count)
            flat += key
        }
        try flat.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(
                to: CChar.self)
            for index in 0..<count {
                pointers[index] = base + offsets[index]
                sizes[index] = keys[index].count
            }
            rocksdb_batched_multi_get_cf(
                handle, readOptions, family.handle, count, &pointers, &sizes, &slices, &errors, false)
            defer {
                for slice in slices where slice != nil { rocksdb_pinnableslice_destroy(slice) }
                for error in errors where error != nil { rocksdb_free(error) }
            }
            if let first = errors.first(where: { $0 != nil }), let first {
                throw RocksDBError(message: String(cString: first))
            }
            for index in 0..<count {
                guard let slice = slices[index] else { continue }
                var length = 0
                guard let value = rocksdb_pinnableslice_value(slice, &length) else { continue }
                try body(index, UnsafeRawBufferPointer(start: value, count: length))
            }
        }
    }

    /// Applies a batch atomically; `sync` waits until it is durable on disk.
    public func write(_ batch: WriteBatch, sync: Bool = false) throws {
        try RocksDBError.check { error in
            rocksdb_write(handle, sync ? syncWriteOptions : writeOptions, batch.handle, error)
        }
    }

    /// Calls `body` with each key and value whose key starts with `prefix`, in key order, until it returns false.
    public func scan(
        prefix: [UInt8], in family: ColumnFamily,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        // The first key after every key with the prefix: drop trailing 0xFF bytes, then add one.
        var end = prefix
        while let last = end.last, last == 0xFF { end.removeLast() }
        guard !end.isEmpty else {
            return try scan(from: prefix, to: prefix + [UInt8](repeating: 0xFF, count: 64), in: family, body)
        }
        end[end.count - 1] += 1
        try scan(from: prefix, to: end, in: family, body)
    }

    /// Writes the memtable of `family` to a sorted file, so reads stop searching it; `wait: false`
    /// only schedules it.
    public func flush(_ family: ColumnFamily, wait: Bool = true) throws {
        let options = rocksdb_flushoptions_create()
        defer { rocksdb_flushoptions_destroy(options) }
        rocksdb_flushoptions_set_wait(options, wait ? 1 : 0)
        try RocksDBError.check { error in rocksdb_flush_cf(handle, options, family.handle, error) }
    }

    /// Calls `body` with each key and value in `[start, end)`, in key order, until it returns false.
    public func scan(
        from start: [UInt8], to end: [UInt8], in family: ColumnFamily,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let options = rocksdb_readoptions_create()!
        defer { rocksdb_readoptions_destroy(options) }
        try end.withUnsafeBufferPointer { upper in
            rocksdb_readoptions_set_iterate_upper_bound(
                options, UnsafeRawPointer(upper.baseAddress!).assumingMemoryBound(to: CChar.self), upper.count)
            let iterator = rocksdb_create_iterator_cf(handle, options, family.handle)!
            defer { rocksdb_iter_destroy(iterator) }
            start.withUnsafeBufferPointer { buffer in
                rocksdb_iter_seek(
                    iterator, UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), buffer.count)
            }
            while rocksdb_iter_valid(iterator) != 0 {
                var keyLength = 0
                var valueLength = 0
                let key = UnsafeRawBufferPointer(start: rocksdb_iter_key(iterator, &keyLength), count: keyLength)
                let value = UnsafeRawBufferPointer(
                    start: rocksdb_iter_value(iterator, &valueLength), count: valueLength)
                if try !body(key, value) { break }
                rocksdb_iter_next(iterator)
            }
            try RocksDBError.check { error in rocksdb_iter_get_error(iterator, error) }
        }
    }

    /// Flushes the write-ahead log to disk.
    public func flushWAL() throws {
        try RocksDBError.check { error in rocksdb_flush_wal(handle, 1, error) }
    }
}
