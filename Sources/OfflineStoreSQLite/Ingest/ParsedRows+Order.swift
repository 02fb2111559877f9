import FeatureStoreCore

extension ParsedRows {
    /// The row order of the history table's primary key (the first `sortColumns` columns), file
    /// order among equal keys. Storing rows in this order turns random B-tree inserts into
    /// near-appends, and keeps the first of duplicate rows (as `INSERT OR IGNORE` does).
    func storageOrder(types: [ValueType]) -> [Int32] {
        let n = count
        let k = types.count
        let integerKeys = types.allSatisfy { $0 == .int64 || $0 == .bool || $0 == .timestamp }
        if integerKeys && k == 3 {
            var entries = [(Int64, Int64, Int64, Int32)]()
            entries.reserveCapacity(n)
            for row in 0..<n {
                let base = row * width
                entries.append((cells[base], cells[base + 1], cells[base + 2], Int32(row)))
            }
            entries.sort { $0 < $1 }
            return entries.map(\.3)
        }
        var order = (0..<Int32(n)).map { $0 }
        order.sort { a, b in
            let baseA = Int(a) * width
            let baseB = Int(b) * width
            for column in 0..<k {
                let x = cells[baseA + column]
                let y = cells[baseB + column]
                switch types[column] {
                case .string, .bytes:
                    let ordering = withBytes(x) { bx in withBytes(y) { by in compareBytes(bx, by) } }
                    if ordering != 0 { return ordering < 0 }
                case .float64:
                    let dx = Double(bitPattern: UInt64(bitPattern: x))
                    let dy = Double(bitPattern: UInt64(bitPattern: y))
                    if dx != dy { return dx < dy }
                default:
                    if x != y { return x < y }
                }
            }
            return a < b
        }
        return order
    }
}

private func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
        let result = memcmp(a.baseAddress!, b.baseAddress!, common)
        if result != 0 { return Int(result) }
    }
    return a.count - b.count
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
