/// Redis Cluster's key slots: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384.
public enum ClusterSlot {
    public static let count = 16384

    /// The slot of `key`. When the key holds `{`, then a `}` after it with at least one byte
    /// between, only those bytes are hashed (the first `{` and the first `}` after it count), so
    /// keys sharing a tag share a slot.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        let bytes = Array(key)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
            let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        {
            return Int(crc16(bytes[(open + 1)..<close]) % UInt16(count))
        }
        return Int(crc16(bytes) % UInt16(count))
    }

    /// CRC16-CCITT in its XMODEM form (polynomial 0x1021, initial value 0), as the cluster spec defines.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes { crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)] }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
