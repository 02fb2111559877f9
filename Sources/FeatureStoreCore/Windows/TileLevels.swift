/// Aligned tiles that cover the middle of a window, so an online read merges a few dozen partial
/// aggregates plus the raw events of the two edge fragments instead of every event.
///
/// Tiles of each level are aligned to multiples of their length since the epoch. Each level divides
/// the next, so any window decomposes into at most ~4+11+5+3 tiles on each side plus whole days.
public enum TileLevels {
    /// 1 minute, 5 minutes, 1 hour, 6 hours, 1 day, in microseconds.
    public static let lengths: [Int64] = [60_000_000, 300_000_000, 3_600_000_000, 21_600_000_000, 86_400_000_000]

    /// One tile: a level (index into ``lengths``) and its position (`start / length`).
    public struct Tile: Hashable, Sendable, Comparable {
        public var level: Int
        public var index: Int64

        public init(level: Int, index: Int64) {
            self.level = level
            self.index = index
        }

        /// The tile of `level` that contains `time`.
        public init(level: Int, containing time: Timestamp) {
            self.init(level: level, index: floorDivide(time.microseconds, TileLevels.lengths[level]))
        }

        public var range: WindowRange {
            let length = TileLevels.lengths[level]
            return WindowRange(
                start: Timestamp(microseconds: index * length), end: Timestamp(microseconds: (index + 1) * length))
        }

        public static func < (lhs: Tile, rhs: Tile) -> Bool {
            (lhs.index * lengths[lhs.level]) < (rhs.index * lengths[rhs.level])
        }
    }

    /// How a window splits: raw-event fragments at the edges and whole tiles in the middle.
    public struct Decomposition: Hashable, Sendable {
        /// Sub-minute fragments read from raw events (at most one at each end).
        public var edges: [WindowRange]
        /// Whole tiles, in time order.
        public var tiles: [Tile]
    }

    /// The tile of each level that contains `time`.
    public static func tiles(containing time: Timestamp) -> [Tile] {
        lengths.indices.map { Tile(level: $0, containing: time) }
    }

    /// Splits `range` greedily: from the start, the largest aligned tile that fits, else raw events
    /// up to the next minute boundary.
    public static func decompose(_ range: WindowRange) -> Decomposition {
        var edges: [WindowRange] = []
        var tiles: [Tile] = []
        var cursor = range.start.microseconds
        let end = range.end.microseconds
        while cursor < end {
            var chosen: Int?
            for level in lengths.indices.reversed() {
                let length = lengths[level]
                if floorModulo(cursor, length) == 0, end - cursor >= length {
                    chosen = level
                    break
                }
            }
            if let level = chosen {
                tiles.append(Tile(level: level, index: floorDivide(cursor, lengths[level])))
                cursor += lengths[level]
            } else {
                let minute = lengths[0]
                let next = Swift.min(end, (floorDivide(cursor, minute) + 1) * minute)
                if let last = edges.last, last.end.microseconds == cursor {
                    edges[edges.count - 1].end = Timestamp(microseconds: next)
                } else {
                    edges.append(
                        WindowRange(start: Timestamp(microseconds: cursor), end: Timestamp(microseconds: next)))
                }
                cursor = next
            }
        }
        return Decomposition(edges: edges, tiles: tiles)
    }
}

@inline(__always)
func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

@inline(__always)
func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
    let r = a % b
    return r < 0 ? r + b : r
}
