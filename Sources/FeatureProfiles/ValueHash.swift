import FeatureStoreCore

/// The 64-bit hashes profiles identify values by (the distinct-count sketch and top-k counters):
/// stable across processes and machines, so stored profiles merge with new ones.
public enum ValueHash {
    /// A finite double (`-0.0` and `0.0` are one value).
    @inline(__always)
    public static func double(_ value: Double) -> UInt64 {
        mix((value == 0 ? 0.0 : value).bitPattern ^ 0x2545_F491_4F6C_DD1D)
    }

    /// An integer (int64 values and timestamps in microseconds).
    @inline(__always)
    public static func integer(_ value: Int64) -> UInt64 {
        mix(UInt64(bitPattern: value) ^ 0x6A09_E667_F3BC_C909)
    }

    /// Text or bytes.
    @inline(__always)
    public static func bytes(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = ContentHash()
        hash.combine(UnsafeRawBufferPointer(bytes))
        return hash.value.0
    }

    /// A bool.
    @inline(__always)
    public static func bool(_ value: Bool) -> UInt64 { mix(value ? 0xB00_1 : 0xB00_0) }

    /// MurmurHash3's 64-bit finalizer: a bijection in which every input bit flips about half of
    /// the output bits.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k = k &* 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k = k &* 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}
