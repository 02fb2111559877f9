/// The keys seen in one JSON object, to refuse a key given twice (which value would win is
/// anyone's guess). Reused from object to object without allocating in the common case.
final class ObjectKeys {
    /// Per column, the object it was last seen in.
    private var stamps: [UInt32] = []
    private var stamp: UInt32 = 0
    /// Keys that are not columns, as byte ranges of the buffer (JSON strings without escapes).
    private var plain: [Range<Int>] = []
    /// Keys that are not columns and hold escapes, decoded.
    private var decoded: [[UInt8]] = []
    /// Every key that is not a column, decoded, once an object has many.
    private var many: Set<[UInt8]>?

    /// Starts a new object of a file with `columns` columns.
    func reset(columns: Int) {
        if stamps.count != columns { stamps = Array(repeating: 0, count: columns) }
        stamp &+= 1
        if stamp == 0 {
            for index in stamps.indices { stamps[index] = 0 }
            stamp = 1
        }
        plain.removeAll(keepingCapacity: true)
        decoded.removeAll(keepingCapacity: true)
        many = nil
    }

    /// Records column `index`; `false` when the object already named it.
    func insert(column index: Int) -> Bool {
        if stamps[index] == stamp { return false }
        stamps[index] = stamp
        return true
    }

    /// Records a key that is not a column; `false` when the object already had it.
    func insert(other key: FieldRef, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if many == nil, plain.count + decoded.count >= 32 {
            var all = Set(decoded)
            for range in plain { all.insert(Array(bytes[range])) }
            many = all
        }
        if many != nil {
            var scratch: [UInt8] = []
            let text = key.withText(in: bytes, scratch: &scratch) { Array($0) }
            return many!.insert(text).inserted
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[key.start..<(key.start + key.count)])
        if key.kind != .jsonEscaped {
            for range in plain where range.count == raw.count && raw.elementsEqual(bytes[range]) { return false }
            for text in decoded where text.count == raw.count && raw.elementsEqual(text) { return false }
            plain.append(key.start..<(key.start + key.count))
            return true
        }
        var scratch: [UInt8] = []
        let text = key.withText(in: bytes, scratch: &scratch) { Array($0) }
        for range in plain where range.count == text.count && text.elementsEqual(bytes[range]) { return false }
        if decoded.contains(text) { return false }
        decoded.append(text)
        return true
    }
}
