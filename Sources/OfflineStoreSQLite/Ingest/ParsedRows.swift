import FeatureStoreCore

/// Parsed, typed rows waiting to be stored, column values packed in one array.
///
/// Every cell is an `Int64`: integers, booleans and timestamps as themselves, doubles as their
/// bit pattern, text and bytes as `offset << 24 | length` into ``arena``.
package struct ParsedRows: Sendable {
    package let width: Int
    package var cells: [Int64] = []
    package var nulls: [Bool] = []
    var arena: [UInt8] = []
    /// The 1-based line of each row, for rows read from a file.
    package var count: Int { width == 0 ? 0 : cells.count / width }

    init(width: Int, capacity: Int = 0) {
        self.width = width
        cells.reserveCapacity(capacity * width)
        nulls.reserveCapacity(capacity * width)
    }

    @inline(__always) mutating func append(_ value: Int64) {
        cells.append(value)
        nulls.append(false)
    }

    @inline(__always) mutating func appendNull() {
        cells.append(0)
        nulls.append(true)
    }

    @inline(__always) mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        cells.append(Int64(arena.count) << 24 | Int64(bytes.count))
        nulls.append(false)
        arena.append(contentsOf: bytes)
    }

    /// Drops the cells of an unfinished row.
    mutating func dropPartialRow() {
        let partial = cells.count % width
        cells.removeLast(partial)
        nulls.removeLast(partial)
    }

    /// Appends another batch's rows.
    mutating func append(contentsOf other: ParsedRows) {
        let shift = Int64(arena.count) << 24
        arena.append(contentsOf: other.arena)
        nulls.append(contentsOf: other.nulls)
        cells.reserveCapacity(cells.count + other.cells.count)
        if shift == 0 || !other.hasArenaCells {
            cells.append(contentsOf: other.cells)
        } else {
            for (index, cell) in other.cells.enumerated() {
                cells.append(other.arenaColumns[index % width] && !other.nulls[index] ? cell + shift : cell)
            }
        }
    }

    /// Which columns hold text or bytes (arena references).
    var arenaColumns: [Bool] = []
    var hasArenaCells: Bool { arenaColumns.contains(true) }

    /// The text or bytes of an arena cell.
    @inline(__always) package func withBytes<T>(_ cell: Int64, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows
        -> T
    {
        let offset = Int(cell >> 24)
        let length = Int(cell & 0xFF_FFFF)
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
    }
}
