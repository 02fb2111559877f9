import CRocksDB
import Foundation

/// Writes a sorted table file outside the database, to be ingested whole by
/// ``RocksDB/ingest(_:into:)``: the fast way to load many keys at once (no memtable, no write-ahead
/// log, no compaction of the loaded keys).
///
/// Keys must be added in strictly increasing byte order; the file uses the database's table options
/// (block format, bloom filter, no compression), so reads from it behave as from any other file.
public final class SSTFileWriter {
    private let handle: OpaquePointer
    private let environment: OpaquePointer
    public let path: String
    /// Keys written so far.
    public private(set) var count = 0
    private var finished = false

    /// Creates (truncating) the file at `path`.
    public init(path: String, for database: RocksDB) throws {
        self.path = path
        environment = rocksdb_envoptions_create()
        handle = rocksdb_sstfilewriter_create(environment, database.options)
        do {
            try RocksDBError.check { error in rocksdb_sstfilewriter_open(handle, path, error) }
        } catch {
            rocksdb_sstfilewriter_destroy(handle)
            rocksdb_envoptions_destroy(environment)
            throw error
        }
    }

    deinit {
        rocksdb_sstfilewriter_destroy(handle)
        rocksdb_envoptions_destroy(environment)
    }

    /// Adds one key (greater than every key added before) and its value.
    public func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
        try RocksDBError.check { error in
            rocksdb_sstfilewriter_put(
                handle, key.baseAddress!.assumingMemoryBound(to: CChar.self), key.count,
                (value.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
                value.count, error)
        }
        count += 1
    }

    public func put(_ key: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try put(k, v) } }
    }

    /// Completes the file (its index and filter). A file without keys cannot be finished: it is
    /// removed instead, and `false` returned.
    @discardableResult
    public func finish() throws -> Bool {
        guard !finished else { return count > 0 }
        finished = true
        if count == 0 {
            try? FileManager.default.removeItem(atPath: path)
            return false
        }
        try RocksDBError.check { error in rocksdb_sstfilewriter_finish(handle, error) }
        return true
    }
}

extension RocksDB {
    /// Ingests finished table files into `family` in one atomic step: a reader sees all of their
    /// keys or none. The files are moved (hard-linked) into the database, so they must be on its
    /// file system, and their key ranges must not overlap one another.
    public func ingest(_ paths: [String], into family: ColumnFamily) throws {
        if paths.isEmpty { return }
        let options = rocksdb_ingestexternalfileoptions_create()!
        defer { rocksdb_ingestexternalfileoptions_destroy(options) }
        rocksdb_ingestexternalfileoptions_set_move_files(options, 1)
        var names = paths.map { strdup($0) }
        defer { names.forEach { free($0) } }
        try names.withUnsafeMutableBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: paths.count) {
                list in
                try RocksDBError.check { error in
                    rocksdb_ingest_external_file_cf(handle, family.handle, list, paths.count, options, error)
                }
            }
        }
    }

    /// Compacts every key of `family` in `[start, end)` down to the last level: deleted and
    /// overwritten keys and range deletions stop taking space.
    public func compact(from start: [UInt8], to end: [UInt8], in family: ColumnFamily) {
        start.withUnsafeBufferPointer { s in
            end.withUnsafeBufferPointer { e in
                rocksdb_compact_range_cf(
                    handle, family.handle, UnsafeRawPointer(s.baseAddress!).assumingMemoryBound(to: CChar.self),
                    s.count, UnsafeRawPointer(e.baseAddress!).assumingMemoryBound(to: CChar.self), e.count)
            }
        }
    }

    /// An integer property of a column family (`rocksdb.total-sst-files-size`,
    /// `rocksdb.estimate-live-data-size`, ...), or `nil` when RocksDB does not know it.
    public func integerProperty(_ name: String, in family: ColumnFamily) -> UInt64? {
        var value: UInt64 = 0
        return rocksdb_property_int_cf(handle, family.handle, name, &value) == 0 ? value : nil
    }
}
