import FeatureStoreCore
import Foundation

/// Reads a whole file into memory (ingest and spine files are read in one go: one buffer, no
/// per-line allocations).
func readFileBytes(_ path: String) throws -> [UInt8] {
    try withOpenFile(path) { fd, size in
        // One byte more than the file holds, so that the read that finds the end needs no room:
        // growing the array then would copy the whole file into a new one (twice the file in memory).
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: 1 << 16)) }
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw FeatureStoreError.io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}

/// Reads a whole file into a buffer the caller owns and deallocates (a spine keeps it for its
/// lifetime), without the copy that making one from ``readFileBytes(_:)`` would take.
func readFileStorage(_ path: String) throws -> UnsafeMutableBufferPointer<UInt8> {
    try withOpenFile(path) { fd, size in
        var storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: size + 1)
        var filled = 0
        do {
            while true {
                if filled == storage.count {
                    // The file grew while being read.
                    let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: storage.count + (1 << 16))
                    _ = larger.initialize(from: storage)
                    storage.deallocate()
                    storage = larger
                }
                let count = read(fd, storage.baseAddress! + filled, storage.count - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw FeatureStoreError.io("cannot read \(path): \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                filled += count
            }
        } catch {
            storage.deallocate()
            throw error
        }
        return UnsafeMutableBufferPointer(rebasing: storage[0..<filled])
    }
}

/// Opens `path` for reading and calls `body` with its descriptor and size.
private func withOpenFile<T>(_ path: String, _ body: (Int32, Int) throws -> T) throws -> T {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
        throw FeatureStoreError.io("cannot open \(path): \(String(cString: strerror(errno))); check the path")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
        throw FeatureStoreError.io("cannot read \(path): \(String(cString: strerror(errno)))")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        throw FeatureStoreError.io("\(path) is a directory; give a CSV or JSON Lines file")
    }
    return try body(fd, max(Int(info.st_size), 0))
}

/// The format of a tabular input or output file.
public enum TabularFormat: String, Sendable, CaseIterable {
    /// Comma-separated values with a header line (RFC 4180 quoting).
    case csv
    /// JSON Lines: one flat JSON object per line.
    case jsonl

    /// The format a file name's extension implies (`.csv`, `.jsonl`/`.ndjson`/`.json`), if any.
    public init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.txt") {
            self = .csv
        } else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") {
            self = .jsonl
        } else {
            return nil
        }
    }
}
