import Foundation

// A HyperLogLog distinct-count sketch (Flajolet, Fusy, Gandouet and Meunier 2007) over 64-bit
// hashes, with 2^12 = 4,096 one-byte registers, estimated with Otmar Ertl's improved estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches", 2017, algorithm 6), which
// needs no bias-correction tables and no switch to linear counting.
//
// Error bound: relative standard error 1.04/√4096 ≈ 1.63% over the whole range, from a handful of
// distinct values to billions; so within 3 standard errors (4.9%) with 99.7% confidence.
// `DistinctCountSketchTests` checks it against exact counts on generated data over many seeds, and
// that a merge (register-wise maximum) is exactly the sketch of the union.
//
// Written by hand because no package available to fs offers one.

/// A mergeable distinct-count sketch (HyperLogLog, 4,096 registers: relative error ≈ 1.63%).
public struct DistinctCountSketch: Sendable, Equatable {
    /// Index bits: 2^12 registers.
    public static let precision = 12
    /// The relative standard error of the estimate, 1.04/√(2^precision).
    public static let relativeStandardError = 1.04 / Double(1 << precision).squareRoot()
    static let registerCount = 1 << precision
    /// The largest register value: the leading zeros of the 52 remaining bits, plus one.
    static let maximumRegister = UInt8(64 - precision + 1)

    /// One byte per register; empty until the first value (all zeros).
    private(set) var registers: [UInt8] = []

    public init() {}

    init(registers: [UInt8]) { self.registers = registers }

    public var isEmpty: Bool { registers.isEmpty }

    /// Adds the 64-bit hash of a value (``ValueHash``).
    @inline(__always)
    public mutating func add(hash: UInt64) {
        if registers.isEmpty { registers = [UInt8](repeating: 0, count: Self.registerCount) }
        let index = Int(hash >> UInt64(64 - Self.precision))
        let rest = hash << UInt64(Self.precision)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - Self.precision) + 1)
        registers.withUnsafeMutableBufferPointer { buffer in
            if buffer[index] < rank { buffer[index] = rank }
        }
    }

    /// Merges `other`: the register-wise maximum, exactly the sketch of the union of both inputs.
    public mutating func merge(_ other: DistinctCountSketch) {
        guard !other.registers.isEmpty else { return }
        guard !registers.isEmpty else {
            registers = other.registers
            return
        }
        for index in 0..<Self.registerCount where registers[index] < other.registers[index] {
            registers[index] = other.registers[index]
        }
    }

    /// The estimated number of distinct values.
    public var estimate: Double {
        guard !registers.isEmpty else { return 0 }
        let q = 64 - Self.precision
        var histogram = [Int](repeating: 0, count: q + 2)
        for register in registers { histogram[Int(register)] += 1 }
        let m = Double(Self.registerCount)
        var z = m * Self.tau(1 - Double(histogram[q + 1]) / m)
        for k in stride(from: q, through: 1, by: -1) {
            z += Double(histogram[k])
            z *= 0.5
        }
        z += m * Self.sigma(Double(histogram[0]) / m)
        return Self.alphaInfinity * m * m / z
    }

    /// 1 / (2 ln 2): the limit of HyperLogLog's bias constant.
    static let alphaInfinity = 1 / (2 * log(2.0))

    /// Ertl's σ(x) = x + Σ_{k≥1} x^(2^k) 2^(k-1); infinite at 1 (every register zero).
    static func sigma(_ x: Double) -> Double {
        if x == 1 { return .infinity }
        var x = x
        var y = 1.0
        var z = x
        while true {
            x *= x
            let previous = z
            z += x * y
            y += y
            if z == previous { return z }
        }
    }

    /// Ertl's τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))² 2^-k) / 3.
    static func tau(_ x: Double) -> Double {
        if x == 0 || x == 1 { return 0 }
        var x = x
        var y = 1.0
        var z = 1 - x
        while true {
            x = x.squareRoot()
            let previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
            if z == previous { return z / 3 }
        }
    }
}
