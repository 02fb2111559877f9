import FeatureStoreKit
import Synchronization
import Testing

@testable import FeatureServer

/// The bounded hand-over between lookups and the log writer: never over capacity, every dropped
/// row counted, batches cut at exact row boundaries in arrival order.
@Suite struct ServedLogQueueTests {
    /// An entry of `rows` rows of service `service`, its rows numbered from `first` (in the key).
    static func entry(_ service: String, rows: Int, first: Int64 = 0) throws -> ServedLogEntry {
        let definitions = RepoDefinitions(
            entities: [Entity(name: "driver", joinKeys: [JoinKey(name: "driver_id", valueType: .int64)])],
            featureViews: [
                FeatureView(
                    name: "v", entities: ["driver"], source: "s", ttl: .days(1),
                    features: [Feature(name: "x", type: .float64)])
            ])
        let plan = try OnlineReadPlan(
            references: [FeatureReference(view: "v", feature: "x")], definitions: definitions, fullFeatureNames: false)
        let keys = (0..<rows).map {
            OnlineValue(value: .int64(first + Int64($0)), status: .present, eventTime: Timestamp(microseconds: 0))
        }
        let values = (0..<rows).map {
            OnlineValue(value: .float64(Double($0)), status: .present, eventTime: Timestamp(seconds: 7))
        }
        return ServedLogEntry(
            service: service, serviceVersion: 3, plan: plan,
            response: OnlineFeaturesResponse(names: ["driver_id", "x"], values: [keys, values]),
            keyColumns: [0], rows: Array(0..<rows), requestID: "r\(first)", logTimestamp: Timestamp(seconds: 100))
    }

    /// The key values of the taken entries' rows, in order.
    static func keys(_ entries: [ServedLogEntry]) -> [Int64] {
        entries.flatMap(\.logRows).map { row in
            if case .int64(let key) = row.keys[0] { return key }
            return -1
        }
    }

    @Test func boundedAndTheDropCounterIsHonest() throws {
        let drops = Mutex<[ServedLogQueue.Drop]>([])
        let queue = ServedLogQueue(capacity: 10) { drop in drops.withLock { $0.append(drop) } }
        #expect(queue.offer(try Self.entry("a", rows: 6)))
        #expect(!queue.offer(try Self.entry("a", rows: 5)))  // 11 > 10: dropped whole
        #expect(queue.offer(try Self.entry("b", rows: 4)))  // exactly full
        #expect(!queue.offer(try Self.entry("b", rows: 1)))
        #expect(queue.pendingRows == 10)
        #expect(queue.dropped == ["a": 5, "b": 1])
        #expect(drops.withLock { $0 } == [.init(service: "a", rows: 5), .init(service: "b", rows: 1)])
        _ = queue.take(maxRows: 3)
        #expect(queue.offer(try Self.entry("a", rows: 3)))  // room again
        #expect(queue.pendingRows == 10)
        queue.close()
        #expect(!queue.offer(try Self.entry("a", rows: 1)))
        #expect(queue.dropped == ["a": 6, "b": 1])
    }

    @Test func batchesHaveExactBoundariesInArrivalOrder() throws {
        let queue = ServedLogQueue(capacity: 100)
        queue.offer(try Self.entry("a", rows: 4, first: 0))
        queue.offer(try Self.entry("a", rows: 5, first: 10))
        queue.offer(try Self.entry("b", rows: 2, first: 20))
        let first = queue.take(maxRows: 6)
        #expect(first.map(\.rows.count) == [4, 2])
        #expect(Self.keys(first) == [0, 1, 2, 3, 10, 11])
        let second = queue.take(maxRows: 6)
        #expect(Self.keys(second) == [12, 13, 14, 20, 21])
        #expect(second.map(\.service) == ["a", "b"])
        #expect(queue.take(maxRows: 6).isEmpty)
        #expect(queue.pendingRows == 0)
        // An empty entry (nothing sampled) is no row and no drop.
        var empty = try Self.entry("a", rows: 3)
        empty.rows = []
        #expect(queue.offer(empty))
        #expect(queue.pendingRows == 0 && queue.dropped.isEmpty)
    }

    @Test func manyBatchesOverRandomEntriesKeepEveryRowOnce() throws {
        for seed in 1...20 {
            var random = SplitMix64(seed: UInt64(seed))
            let queue = ServedLogQueue(capacity: 1_000)
            var expected: [Int64] = []
            var taken: [Int64] = []
            var next: Int64 = 0
            for _ in 0..<200 {
                let rows = Int.random(in: 1...40, using: &random)
                if queue.offer(try Self.entry("s", rows: rows, first: next)) {
                    expected += (next..<next + Int64(rows)).map { $0 }
                }
                next += 100
                #expect(queue.pendingRows <= 1_000)
                if Bool.random(using: &random) {
                    let batch = queue.take(maxRows: 37)
                    #expect(batch.reduce(0) { $0 + $1.rows.count } <= 37)
                    taken += Self.keys(batch)
                }
            }
            while queue.pendingRows > 0 { taken += Self.keys(queue.take(maxRows: 37)) }
            #expect(taken == expected, "seed \(seed)")
        }
    }

    @Test func keySamplingIsDeterministicPerEntityAndNearTheRate() {
        var sampled = 0
        for id in 0..<20_000 {
            let key: [FeatureValue] = [.int64(Int64(id))]
            let inSample = ServedLogSampler.keyIsSampled(key, rate: 0.1)
            #expect(inSample == ServedLogSampler.keyIsSampled(key, rate: 0.1))
            // A larger rate keeps every entity a smaller one kept.
            if inSample { #expect(ServedLogSampler.keyIsSampled(key, rate: 0.5)) }
            if inSample { sampled += 1 }
        }
        #expect((1_700...2_300).contains(sampled), "\(sampled)")
        #expect(ServedLogSampler.keyIsSampled([.string("x")], rate: 1))
        #expect(!ServedLogSampler.keyIsSampled([.string("x")], rate: 0))
    }
}
