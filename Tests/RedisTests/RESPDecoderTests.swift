import NIOCore
import Redis
import Testing

@Suite struct RESPDecoderTests {
    /// A deterministic generator, so a failing seed can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    static func randomValue(_ random: inout Generator, depth: Int = 0) -> RESPValue {
        switch random.below(depth > 3 ? 5 : 7) {
        case 0: return .simpleString(String(repeating: "x", count: random.below(20)))
        case 1: return .error("ERR " + String(random.below(1000)))
        case 2:
            let extremes: [Int64] = [.min, .max, 0, -1]
            return .integer(random.below(4) == 0 ? extremes[random.below(4)] : Int64(bitPattern: random.next()))
        case 3: return .bulkString((0..<random.below(40)).map { _ in UInt8(random.below(256)) })
        case 4: return random.below(2) == 0 ? .bulkString(nil) : .array(nil)
        default: return .array((0..<random.below(6)).map { _ in randomValue(&random, depth: depth + 1) })
        }
    }

    static func encoded(_ values: [RESPValue]) -> [UInt8] {
        var buffer = ByteBuffer()
        for value in values { RESPEncoder.encode(value, into: &buffer) }
        return Array(buffer.readableBytesView)
    }

    /// Feeds `bytes` in chunks split at random points; returns what was decoded (or the error).
    static func decode(_ bytes: [UInt8], decoder: RESPDecoder, random: inout Generator) throws(RESPDecodingError)
        -> [RESPValue]
    {
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        var position = 0
        while position < bytes.count {
            let chunk = min(bytes.count - position, 1 + random.below(16))
            buffer.writeBytes(bytes[position..<(position + chunk)])
            position += chunk
            while let value = try decoder.decode(&buffer) { values.append(value) }
        }
        return values
    }

    @Test(arguments: 0..<200) func roundTripsAcrossRandomSplits(seed: Int) throws {
        var random = Generator(state: UInt64(seed))
        let values = (0..<(1 + random.below(8))).map { _ in Self.randomValue(&random) }
        let decoded = try Self.decode(Self.encoded(values), decoder: RESPDecoder(), random: &random)
        #expect(decoded == values, "seed \(seed)")
    }

    @Test(arguments: 0..<300) func truncatedInputIsIncompleteNeverWrong(seed: Int) throws {
        var random = Generator(state: UInt64(seed) &+ 1000)
        let value = Self.randomValue(&random)
        let bytes = Self.encoded([value])
        let cut = random.below(bytes.count)
        var buffer = ByteBuffer(bytes: bytes[..<cut])
        #expect(try RESPDecoder().decode(&buffer) == nil, "seed \(seed): a reply cut at \(cut) of \(bytes.count)")
        #expect(buffer.readerIndex == 0)
    }

    @Test(arguments: 0..<500) func randomAndMutatedBytesNeverCrash(seed: Int) {
        var random = Generator(state: UInt64(seed) &+ 77)
        var bytes: [UInt8]
        if random.below(2) == 0 {
            let alphabet = Array("+-:$*\r\n0123456789-1abc".utf8)
            bytes = (0..<random.below(64)).map { _ in alphabet[random.below(alphabet.count)] }
        } else {
            bytes = Self.encoded([Self.randomValue(&random)])
            for _ in 0..<(1 + random.below(4)) where !bytes.isEmpty {
                bytes[random.below(bytes.count)] = UInt8(random.below(256))
            }
        }
        let limits = RESPLimits(maxBulkBytes: 1 << 10, maxArrayCount: 64, maxDepth: 4, maxLineBytes: 128)
        // Any outcome but a crash: values, a need for more bytes, or a decoding error.
        _ = try? Self.decode(bytes, decoder: RESPDecoder(limits: limits), random: &random)
    }

    @Test func oversizedAndMalformedRepliesAreErrors() {
        let limits = RESPLimits(maxBulkBytes: 100, maxArrayCount: 10, maxDepth: 2, maxLineBytes: 32)
        let decoder = RESPDecoder(limits: limits)
        func error(_ text: String) -> String? {
            var buffer = ByteBuffer(string: text)
            do {
                _ = try decoder.decode(&buffer)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(error("$101\r\n")?.contains("over the limit of 100") == true)
        #expect(error("$999999999999999999999\r\n")?.contains("64-bit") == true)
        #expect(error("*11\r\n")?.contains("over the limit of 10") == true)
        #expect(error("*1\r\n*1\r\n*1\r\n:1\r\n")?.contains("nested deeper") == true)
        #expect(error("+" + String(repeating: "a", count: 40))?.contains("longer than 32") == true)
        #expect(error("?what\r\n")?.contains("unknown reply type") == true)
        #expect(error("$-2\r\n")?.contains("negative") == true)
        #expect(error(":12a\r\n")?.contains("not an integer") == true)
        #expect(error("$3\r\nabcX\r\n")?.contains("not followed by CRLF") == true)
        #expect(error(":1\rX") != nil)
        // Exactly at the limits is fine.
        var buffer = ByteBuffer(string: "$100\r\n" + String(repeating: "b", count: 100) + "\r\n")
        #expect((try? decoder.decode(&buffer))?.bytes?.count == 100)
        var extreme = ByteBuffer(string: ":-9223372036854775808\r\n:9223372036854775807\r\n")
        #expect((try? decoder.decode(&extreme)) == .integer(.min))
        #expect((try? decoder.decode(&extreme)) == .integer(.max))
        #expect(error(":9223372036854775808\r\n")?.contains("overflows") == true)
    }
}
