import CRocksDB

/// Writes applied together, atomically, by ``RocksDB/write(_:sync:)``.
public final class WriteBatch {
    let handle: OpaquePointer

    public init() { handle = rocksdb_writebatch_create() }

    deinit { rocksdb_writebatch_destroy(handle) }

    public func put(_ key: [UInt8], _ value: [UInt8], in family: RocksDB.ColumnFamily) {
        key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                rocksdb_writebatch_put_cf(
                    handle, family.handle, UnsafeRawPointer(k.baseAddress!).assumingMemoryBound(to: CChar.self),
                    k.count,
                    UnsafeRawPointer(v.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(
                        to: CChar.self), v.count)
            }
        }
    }

    public func delete(_ key: [UInt8], in family: RocksDB.ColumnFamily) {
        key.withUnsafeBufferPointer { k in
            rocksdb_writebatch_delete_cf(
                handle, family.handle, UnsafeRawPointer(k.baseAddress!).assumingMemoryBound(to: CChar.self), k.count)
        }
    }

    /// Deletes every key in `[start, end)`.
    public func deleteRange(from start: [UInt8], to end: [UInt8], in family: RocksDB.ColumnFamily) {
        start.withUnsafeBufferPointer { s in
            end.withUnsafeBufferPointer { e in
                rocksdb_writebatch_delete_range_cf(
                    handle, family.handle, UnsafeRawPointer(s.baseAddress!).assumingMemoryBound(to: CChar.self),
                    s.count,
                    UnsafeRawPointer(e.baseAddress!).assumingMemoryBound(to: CChar.self), e.count)
            }
        }
    }

    public var count: Int { Int(rocksdb_writebatch_count(handle)) }

    public func clear() { rocksdb_writebatch_clear(handle) }
}
