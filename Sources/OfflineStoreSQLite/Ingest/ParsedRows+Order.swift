import FeatureStoreCore

extension ParsedRows {
    /// The row order of the history table's clustering key: by the event time in `column`, file
    /// order among equal times. Storing rows in this order turns random B-tree inserts into
    /// near-appends.
    package func storageOrder(eventColumn column: Int) -> [Int32] {
        var entries = [(Int64, Int32)]()
        entries.reserveCapacity(count)
        var sorted = true
        var previous = Int64.min
        for row in 0..<count {
            let time = cells[row * width + column]
            if time < previous { sorted = false }
            previous = time
            entries.append((time, Int32(row)))
        }
        if !sorted { entries.sort { $0 < $1 } }
        return entries.map(\.1)
    }
}
