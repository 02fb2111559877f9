// fs-bench: library-level benchmarks that a command line cannot measure (per-call latency).
// Run through scripts/bench/online-read; always build it with `-c release`.
import FeatureStoreKit
import Foundation

@inline(__always) func nanoseconds(_ clock: clockid_t = CLOCK_MONOTONIC) -> UInt64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
    Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
}

/// Online point reads through `OnlineStore.read` (and `OnlineReader`, the server's path).
func onlineRead(entities: Int, features: Int, path: String, rowCacheBytes: Int) throws {
    try? FileManager.default.removeItem(atPath: path)
    let store = try OnlineStore(path: path, rowCacheBytes: rowCacheBytes)
    let keyspace = OnlineKeyspace(view: "bench_view", generation: 1)
    let names = (0..<features).map { "feature_\($0)" }
    var rng = SplitMix64(seed: 1)
    let load = nanoseconds()
    for start in stride(from: 0, to: entities, by: 10_000) {
        let batch = (start..<min(entities, start + 10_000)).map { id in
            (
                key: [FeatureValue.int64(Int64(id))],
                record: OnlineRecord(
                    eventTime: Timestamp(seconds: 1_700_000_000), createdTime: Timestamp(seconds: 1_700_000_000),
                    values: names.enumerated().map { index, name in
                        (
                            name,
                            index % 2 == 0
                                ? FeatureValue.float64(Double(rng.next() % 10_000) / 100)
                                : .int64(Int64(rng.next() % 1000))
                        )
                    })
            )
        }
        try store.write(batch, to: keyspace)
    }
    try store.sync()
    try store.compactRecentWrites()
    print(
        String(
            format: "loaded %d entities x %d features in %.2f s", entities, features, Double(nanoseconds() - load) / 1e9
        ))
    let now = Timestamp(seconds: 1_700_000_100)

    // Throughput: batches of 100 random keys, one thread.
    let batches = 20_000
    var keys: [[[FeatureValue]]] = (0..<batches).map { _ in
        (0..<100).map { _ in [.int64(Int64(rng.next() % UInt64(entities)))] }
    }
    // Twice over the same keys: the first pass fills the row cache, the second shows it warm.
    for pass in ["first pass", "second pass"] {
        var found = 0
        let begin = nanoseconds()
        let beginCPU = nanoseconds(CLOCK_THREAD_CPUTIME_ID)
        for batch in keys {
            let rows = try store.read(batch, from: keyspace, features: names, ttl: .days(1), now: now)
            found += rows.count
        }
        let seconds = Double(nanoseconds() - begin) / 1e9
        let cpuSeconds = Double(nanoseconds(CLOCK_THREAD_CPUTIME_ID) - beginCPU) / 1e9
        // Keys per second of this thread's CPU time as well: on a shared machine wall time counts
        // the time other processes hold the core.
        print(
            String(
                format:
                    "batches of 100 keys x %d features, %@: %.0f keys/s (%d keys in %.2f s), %.0f keys per CPU second",
                features, pass, Double(found) / seconds, found, seconds, Double(found) / cpuSeconds))
    }
    keys = []

    // Latency: one key with all features, many times.
    var latencies: [UInt64] = []
    latencies.reserveCapacity(200_000)
    for _ in 0..<200_000 {
        let key: [[FeatureValue]] = [[.int64(Int64(rng.next() % UInt64(entities)))]]
        let t0 = nanoseconds()
        _ = try store.read(key, from: keyspace, features: names, ttl: .days(1), now: now)
        latencies.append(nanoseconds() - t0)
    }
    latencies.sort()
    print(
        String(
            format: "one key x %d features (OnlineStore.read): p50 %.1f us, p99 %.1f us, p99.9 %.1f us", features,
            percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 0.999)))

    // The server's path: plan + entity validation + read, through OnlineReader.
    let entity = Entity(name: "e", joinKeys: [JoinKey(name: "id", valueType: .int64)])
    let source = Source(
        name: "s", kind: .push, timestampField: "ts",
        schema: [Field(name: "id", type: .int64)]
            + names.enumerated().map { Field(name: $1, type: $0 % 2 == 0 ? .float64 : .int64) })
    let view = FeatureView(
        name: "bench_view", entities: ["e"], source: "s", ttl: .days(1),
        features: names.enumerated().map { Feature(name: $1, type: $0 % 2 == 0 ? .float64 : .int64) })
    let definitions = RepoDefinitions(entities: [entity], sources: [source], featureViews: [view])
    let snapshot = RegistrySnapshot(
        project: "bench", version: 1, definitions: definitions,
        records: [ObjectID(.featureView, "bench_view"): ObjectRecord(version: 1, generation: 1, updatedAt: now)])
    let reader = OnlineReader(snapshot: snapshot, store: store)
    let plan = try OnlineReadPlan(
        references: [FeatureReference(view: "bench_view", feature: "*")], definitions: definitions,
        fullFeatureNames: false)
    latencies.removeAll(keepingCapacity: true)
    for _ in 0..<200_000 {
        let rows = EntityRows(columns: [("id", [.int64(Int64(rng.next() % UInt64(entities)))])])
        let t0 = nanoseconds()
        let response = try reader.read(plan, entities: rows, now: now)
        _ = FeastJSON.encode(response)
        latencies.append(nanoseconds() - t0)
    }
    latencies.sort()
    print(
        String(
            format: "one key x %d features (OnlineReader.read + Feast JSON): p50 %.1f us, p99 %.1f us, p99.9 %.1f us",
            features,
            percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 0.999)))
}

/// Aggregate reads: one entity with `events` events over 7 days, the demo's 5 aggregates.
func onlineAggregates(events: Int, path: String) throws {
    try? FileManager.default.removeItem(atPath: path)
    let store = try OnlineStore(path: path)
    let aggregations = [
        Aggregation(column: "fare", function: .count, window: .hours(1), name: "trips_1h", inputType: .float64),
        Aggregation(column: "fare", function: .sum, window: .days(1), name: "fare_sum_1d", inputType: .float64),
        Aggregation(column: "fare", function: .avg, window: .days(7), name: "fare_avg_7d", inputType: .float64),
        Aggregation(
            column: "distance_km", function: .max, window: .days(1), name: "distance_max_1d", inputType: .float64),
        Aggregation(column: "fare", function: .count, window: .days(7), name: "trips_7d", inputType: .float64),
    ]
    let view = FeatureView(name: "driver_trip_stats", entities: ["driver"], source: "trips", aggregations: aggregations)
    let layout = AggregateLayout(view: view, generation: 1)
    let now = Timestamp(seconds: 1_763_596_800)
    var rng = SplitMix64(seed: 3)
    let span = TimeSpan.days(7).microseconds
    let all = (0..<events).map { _ in
        AggregateEvent(
            key: [.int64(1001)], time: now - TimeSpan(microseconds: 1 + Int64(rng.next() % UInt64(span))),
            created: Timestamp(microseconds: 0),
            values: [.float64(Double(rng.next() % 5000) / 100), .float64(Double(rng.next() % 30_000) / 1000)])
    }
    for start in stride(from: 0, to: all.count, by: 1000) {
        try store.addEvents(Array(all[start..<min(all.count, start + 1000)]), layout: layout, now: now)
    }
    try store.compactRecentWrites()
    let names = aggregations.map(\.name)
    var latencies: [UInt64] = []
    for i in 0..<50_000 {
        // Read times sweep one hour, so the window edges fall everywhere within the tiles.
        let at = now + TimeSpan(microseconds: Int64(i % 3600) * 1_000_000)
        let t0 = nanoseconds()
        _ = try store.readAggregates([[.int64(1001)]], layout: layout, features: names, now: at)
        latencies.append(nanoseconds() - t0)
    }
    latencies.sort()
    print(
        String(
            format:
                "one entity, %d events in 7 days, 5 aggregates (OnlineStore.readAggregates): p50 %.1f us, p99 %.1f us, p99.9 %.1f us",
            events, percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 0.999)))
}

let arguments = CommandLine.arguments
switch arguments.count >= 2 ? arguments[1] : "" {
case "online-read":
    let entities = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
    let features = arguments.count > 3 ? Int(arguments[3]) ?? 10 : 10
    let path = arguments.count > 4 ? arguments[4] : "bench-work/online-read/store"
    let cacheMiB = arguments.count > 5 ? Int(arguments[5]) ?? 256 : 256
    try onlineRead(entities: entities, features: features, path: path, rowCacheBytes: cacheMiB << 20)
case "online-aggregates":
    try onlineAggregates(events: 10_000, path: arguments.count > 2 ? arguments[2] : "bench-work/windows/online")
default:
    print(
        "usage: fs-bench online-read [ENTITIES] [FEATURES] [PATH] [ROW_CACHE_MIB] | fs-bench online-aggregates [PATH]")
    exit(64)
}
