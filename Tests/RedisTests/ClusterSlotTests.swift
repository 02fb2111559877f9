import Redis
import Testing

@Suite struct ClusterSlotTests {
    @Test func crc16MatchesTheClusterSpecVector() {
        #expect(ClusterSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(ClusterSlot.of(Array("123456789".utf8)) == 0x31C3)
        #expect(ClusterSlot.crc16([]) == 0)
    }

    @Test func knownKeySlots() {
        // Slots as `CLUSTER KEYSLOT` reports them.
        #expect(ClusterSlot.of(Array("foo".utf8)) == 12182)
        #expect(ClusterSlot.of(Array("bar".utf8)) == 5061)
        #expect(ClusterSlot.of(Array("somekey".utf8)) == 11058)
    }

    @Test func hashTagsHashOnlyTheTag() {
        func slot(_ key: String) -> Int { ClusterSlot.of(Array(key.utf8)) }
        #expect(slot("{user1000}.following") == slot("{user1000}.followers"))
        #expect(slot("{user1000}.following") == slot("user1000"))
        // The first `{` and the first `}` after it; an empty tag hashes the whole key.
        #expect(slot("foo{}{bar}") == ClusterSlot.of(Array("foo{}{bar}".utf8)))
        #expect(slot("foo{}{bar}") != slot("bar"))
        #expect(slot("foo{{bar}}zap") == slot("{bar"))
        #expect(slot("foo{bar}{zap}") == slot("bar"))
        #expect(slot("no tag}{") == Int(ClusterSlot.crc16(Array("no tag}{".utf8)) % 16384))
        #expect(slot("{unclosed") == Int(ClusterSlot.crc16(Array("{unclosed".utf8)) % 16384))
    }

    @Test func redirectsAndAddressesParse() {
        #expect(RedisAddress("127.0.0.1:7001") == RedisAddress(host: "127.0.0.1", port: 7001))
        #expect(RedisAddress(" [::1]:6379 ") == RedisAddress(host: "::1", port: 6379))
        #expect(RedisAddress("host") == nil)
        #expect(RedisAddress("host:0") == nil)
        #expect(RedisAddress("host:70000") == nil)
        #expect(RedisAddress(":80") == nil)
    }
}
