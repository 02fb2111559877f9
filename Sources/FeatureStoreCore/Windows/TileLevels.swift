/// Aligned tiles that cover the middle of a window, so an online read merges a bounded number of
/// partial aggregates plus the raw events of the two edge fragments instead of every event.
///
/// Tiles of each level are aligned to multiples of their length since the epoch, and each level's
/// length divides the next one's. A window therefore decomposes into the tiles that climb from its
/// start to an aligned boundary of the coarsest level that fits whole in it (fewer than the ratio
/// to the next level of each level: 5, 12, 6, 4, 7, 4), whole tiles of that level, and the tiles
/// that step down to its end. For the worst alignment, a window of up to 7 days reads at most 51
/// tiles and any window up to ``DurationLimits/window`` (366 days) at most 75 (47 when it is a
/// whole number of days); `TileCountTests` derives these bounds and checks them.
public enum TileLevels {
    /// 1 minute, 5 minutes, 1 hour, 6 hours, 1 day, 7 days and 28 days, in microseconds.
    public static let lengths: [Int64] = [
        60_000_000, 300_000_000, 3_600_000_000, 21_600_000_000, 86_400_000_000, 604_800_000_000, 2_419_200_000_000,
    ]

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

        /// The tile's time span; clipped to the representable instants for the first and last tiles.
        public var range: WindowRange {
            let length = Int128(TileLevels.lengths[level])
            return WindowRange(
                start: Timestamp(microseconds: clamped(Int128(index) * length)),
                end: Timestamp(microseconds: clamped((Int128(index) + 1) * length)))
        }

        /// The tiles of the next finer level that make up this one, in time order (none at level 0).
        public var children: [Tile] {
            guard level > 0 else { return [] }
            let ratio = TileLevels.lengths[level] / TileLevels.lengths[level - 1]
            let (first, overflow) = index.multipliedReportingOverflow(by: ratio)
            guard !overflow else { return [] }
            return (0..<ratio).compactMap { offset in
                let (child, overflow) = first.addingReportingOverflow(offset)
                return overflow ? nil : Tile(level: level - 1, index: child)
            }
        }

        /// The tiles of the finer `level` that make up this one, in time order.
        public func descendants(level finer: Int) -> [Tile] {
            guard finer < level else { return finer == level ? [self] : [] }
            let ratio = TileLevels.lengths[level] / TileLevels.lengths[finer]
            let (first, overflow) = index.multipliedReportingOverflow(by: ratio)
            guard !overflow else { return [] }
            return (0..<ratio).compactMap { offset in
                let (child, overflow) = first.addingReportingOverflow(offset)
                return overflow ? nil : Tile(level: finer, index: child)
            }
        }

        public static func < (lhs: Tile, rhs: Tile) -> Bool {
            (Int128(lhs.index) * Int128(lengths[lhs.level]), lhs.level)
                < (Int128(rhs.index) * Int128(lengths[rhs.level]), rhs.level)
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

    /// The level of 1-hour tiles.
    public static let hour = 2

    /// Splits `range` greedily: from the start, the largest aligned tile that fits, else raw events
    /// up to the next minute boundary. Exact for any range of representable instants (no arithmetic
    /// traps).
    public static func decompose(_ range: WindowRange) -> Decomposition { decompose(range, finest: 0) }

    /// ``decompose(_:)`` with tiles of level `finest` and coarser only: what no such tile covers is
    /// raw, in pieces that each stay within one tile of level `finest` (so at most one piece at each
    /// end of the range when it is longer than such a tile; pieces are not merged).
    public static func decompose(_ range: WindowRange, finest: Int) -> Decomposition {
        var edges: [WindowRange] = []
        var tiles: [Tile] = []
        var cursor = range.start.microseconds
        let end = range.end.microseconds
        while cursor < end {
            // What is left, saturated: a range longer than Int64 holds every tile anyway.
            let (left, overflow) = end.subtractingReportingOverflow(cursor)
            let remaining = overflow ? Int64.max : left
            var chosen: Int?
            for level in lengths.indices.reversed() where level >= finest {
                let length = lengths[level]
                if floorModulo(cursor, length) == 0, remaining >= length {
                    chosen = level
                    break
                }
            }
            if let level = chosen {
                tiles.append(Tile(level: level, index: floorDivide(cursor, lengths[level])))
                cursor += lengths[level]  // cannot overflow: remaining >= length
            } else {
                let unit = lengths[finest]
                let toBoundary = unit - floorModulo(cursor, unit)
                let next = remaining <= toBoundary ? end : cursor + toBoundary
                if finest == 0, let last = edges.last, last.end.microseconds == cursor {
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
func clamped(_ value: Int128) -> Int64 {
    value < Int128(Int64.min) ? .min : value > Int128(Int64.max) ? .max : Int64(value)
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
