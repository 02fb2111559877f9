import FeatureStoreCore
import Testing

@Suite struct UTF8ValidationTests {
    private func firstInvalid(_ bytes: [UInt8]) -> Int? { bytes.withUnsafeBufferPointer { firstInvalidUTF8($0) } }

    /// The validator agrees with Swift's own decoder on random byte strings biased toward UTF-8.
    @Test(arguments: 0..<4)
    func agreesWithSwiftsDecoder(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let pieces: [[UInt8]] = [
            [0x61], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xC0, 0x80], [0xE0, 0x80, 0x80],
            [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80], [0xC3], [0xF0, 0x9F], [0xEF, 0xBB, 0xBF],
        ]
        for _ in 0..<5_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 24) { bytes += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let valid = String(validating: bytes, as: UTF8.self) != nil
            #expect((firstInvalid(bytes) == nil) == valid, "\(bytes)")
        }
    }
}
