/// The text of a double as Swift's `description` writes it (the shortest decimal that reads back
/// as the same double: `0.5`, `1.0`, `1e-05`), appended to a byte buffer without making a `String`
/// for the values most data holds.
///
/// Written by hand because the standard library only offers `description`, which allocates a
/// `String` per value; training sets and lookups print millions of them. Values with at most nine
/// decimals and a magnitude in [1e-4, 1e15) take the fast path (the fewest decimals whose nearest
/// decimal reads back exactly as this double); everything else falls back to `description`. Tests check
/// the two agree on random values of every shape.
extension Double {
    private static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
    private static let integerPowersOfTen: [UInt64] = [
        1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    ]

    /// Appends ``description``'s text (finite values; callers print non-finite ones their own way).
    public func appendDescription(to out: inout [UInt8]) {
        let magnitude = self.magnitude
        if magnitude >= 1e-4 && magnitude < 1e15 {
            for digits in 0..<Self.powersOfTen.count {
                let scaled = magnitude * Self.powersOfTen[digits]
                guard scaled < 9_007_199_254_740_992 else { break }
                let rounded = scaled.rounded()
                guard Double(UInt64(rounded)) / Self.powersOfTen[digits] == magnitude else {
                    continue
                }
                if sign == .minus { out.append(UInt8(ascii: "-")) }
                let whole = UInt64(rounded)
                let divisor = Self.integerPowersOfTen[digits]
                appendDecimal(whole / divisor, to: &out)
                out.append(UInt8(ascii: "."))
                if digits == 0 {
                    out.append(UInt8(ascii: "0"))
                } else {
                    let fraction = whole % divisor
                    var width = digits - 1
                    var probe = fraction / 10
                    while probe > 0 {
                        width -= 1
                        probe /= 10
                    }
                    for _ in 0..<max(width, 0) { out.append(UInt8(ascii: "0")) }
                    appendDecimal(fraction, to: &out)
                }
                return
            }
        }
        out.append(contentsOf: description.utf8)
    }
}

@inline(__always)
private func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
        var index = 20
        var rest = value
        repeat {
            index -= 1
            buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index...]))
    }
}
