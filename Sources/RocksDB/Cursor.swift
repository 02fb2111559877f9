import CRocksDB
import Foundation

/// An iterator over one column family that can be moved to many places: one per read that scans
/// several short ranges, instead of creating an iterator (and taking a view of the database) per
/// range.
///
/// Not thread-safe; valid while its database is open.
public final class Cursor {
    private let iterator: OpaquePointer
    private let options: OpaquePointer
    /// Kept alive while the cursor is.
    private let database: RocksDB

    init(database: RocksDB, family: RocksDB.ColumnFamily) {
        self.database = database
        options = rocksdb_readoptions_create()
        iterator = rocksdb_create_iterator_cf(database.handle, options, family.handle)
    }

    deinit {
        rocksdb_iter_destroy(iterator)
        rocksdb_readoptions_destroy(options)
    }

    /// Calls `body` with each key and value in `[start, end)`, in key order, until it returns false.
    public func scan(
        from start: [UInt8], to end: [UInt8],
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        start.withUnsafeBytes { buffer in
            rocksdb_iter_seek(iterator, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
        }
        try end.withUnsafeBytes { end in
            while rocksdb_iter_valid(iterator) != 0 {
                var keyLength = 0
                var valueLength = 0
                let key = UnsafeRawBufferPointer(start: rocksdb_iter_key(iterator, &keyLength), count: keyLength)
                if !Self.precedes(key, end) { break }
                let value = UnsafeRawBufferPointer(
                    start: rocksdb_iter_value(iterator, &valueLength), count: valueLength)
                if try !body(key, value) { break }
                rocksdb_iter_next(iterator)
            }
        }
        try RocksDBError.check { error in rocksdb_iter_get_error(iterator, error) }
    }

    /// Whether `a` sorts before `b` byte-wise (RocksDB's default order).
    @inline(__always)
    static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }
}

extension RocksDB {
    /// A cursor over `family` (see ``Cursor``).
    public func cursor(in family: ColumnFamily) -> Cursor { Cursor(database: self, family: family) }
}
