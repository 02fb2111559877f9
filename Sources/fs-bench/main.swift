// fs-bench: library-level benchmarks that a command line cannot measure (per-call latency).
// Run through scripts/bench/online-read; always build it with `-c release`.
import FeatureStoreKit
import Foundation

@inline(__always) func nanoseconds(_ clock: clockid_t = CLOCK_MONOTONIC) -> UInt64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// CPU time of `clock` (`CLOCK_PROCESS_CPUTIME_ID`, `CLOCK_THREAD_CPUTIME_ID`) in nanoseconds: on a
/// machine shared with other work, what a run costs regardless of how long it waited for a core.
@inline(__always) func cpuNanoseconds(_ clock: clockid_t = CLOCK_PROCESS_CPUTIME_ID) -> UInt64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
    Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
}

/// Online point reads through `OnlineStore.read` (and `OnlineReader`, the server's path).
func onlineRead(entities: Int, features: Int, path: String, rowCacheBytes: Int) async throws {
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
        let response = try await reader.read(plan, entities: rows, now: now)
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
    var cpu: [UInt64] = []
    for i in 0..<50_000 {
        // Read times sweep one hour, so the window edges fall everywhere within the tiles.
        let at = now + TimeSpan(microseconds: Int64(i % 3600) * 1_000_000)
        let c0 = cpuNanoseconds(CLOCK_THREAD_CPUTIME_ID)
        let t0 = nanoseconds()
        _ = try store.readAggregates([[.int64(1001)]], layout: layout, features: names, now: at)
        latencies.append(nanoseconds() - t0)
        cpu.append(cpuNanoseconds(CLOCK_THREAD_CPUTIME_ID) - c0)
    }
    latencies.sort()
    cpu.sort()
    print(
        String(
            format: "  thread CPU time per read: p50 %.1f us, p99 %.1f us, p99.9 %.1f us", percentile(cpu, 0.5),
            percentile(cpu, 0.99), percentile(cpu, 0.999)))
    print(
        String(
            format:
                "one entity, %d events in 7 days, 5 aggregates (OnlineStore.readAggregates): p50 %.1f us, p99 %.1f us, p99.9 %.1f us",
            events, percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 0.999)))
}

/// The demo's aggregate view (`driver_trip_stats`): count 1h, sum 1d, avg 7d, max 1d, count 7d.
func demoAggregateLayout() -> AggregateLayout {
    let aggregations = [
        Aggregation(column: "fare", function: .count, window: .hours(1), name: "trips_1h", inputType: .float64),
        Aggregation(column: "fare", function: .sum, window: .days(1), name: "fare_sum_1d", inputType: .float64),
        Aggregation(column: "fare", function: .avg, window: .days(7), name: "fare_avg_7d", inputType: .float64),
        Aggregation(
            column: "distance_km", function: .max, window: .days(1), name: "distance_max_1d", inputType: .float64),
        Aggregation(column: "fare", function: .count, window: .days(7), name: "trips_7d", inputType: .float64),
    ]
    let view = FeatureView(
        name: "driver_trip_stats", entities: ["driver"], source: "trips", aggregations: aggregations,
        lateness: .hours(1))
    return AggregateLayout(view: view, generation: 1)
}

/// The bulk fill alone (no offline scan): `events` time-ordered events of `entities` entities over
/// the retention, through ``AggregateFill`` in batches of 10,000.
func aggregateFill(events count: Int, entities: Int, path: String) throws {
    try? FileManager.default.removeItem(atPath: path)
    let store = try OnlineStore(path: path)
    let layout = demoAggregateLayout()
    let now = Timestamp(seconds: 1_763_596_800)
    let start = layout.cutoff(at: now).microseconds
    let step = (now.microseconds - start) / Int64(count)
    var rng = SplitMix64(seed: 5)
    let events = (0..<count).map { index in
        AggregateEvent(
            key: [.int64(1001 + Int64(rng.next() % UInt64(entities)))], id: Int64(index), version: Int64(index),
            time: Timestamp(microseconds: start + Int64(index) * step), created: Timestamp(microseconds: 0),
            values: [.float64(Double(rng.next() % 5000) / 100), .float64(Double(rng.next() % 30_000) / 1000)],
            versionsShareTime: true)
    }
    let began = nanoseconds()
    let cpuBegan = cpuNanoseconds()
    let fill = try AggregateFill(store: store, layout: layout, now: now, directory: path + ".fill")
    for batch in stride(from: 0, to: count, by: 10_000) {
        try fill.add(Array(events[batch..<min(count, batch + 10_000)]))
    }
    let added = nanoseconds()
    let summary = try fill.finish()
    let done = nanoseconds()
    let cpu = Double(cpuNanoseconds() - cpuBegan) / 1e9
    print(
        String(
            format:
                "fill: %d events of %d entities: add %.2f s, finish %.2f s, %.0f events/s wall (%d written); CPU %.2f s, %.0f events per CPU second",
            count, entities, Double(added - began) / 1e9, Double(done - added) / 1e9,
            Double(count) / (Double(done - began) / 1e9), summary.applied, cpu, Double(count) / cpu))
}

/// Whether the online values of `entities` at `now` equal the brute-force reference (each
/// aggregation's ``AggregateState`` over the entity's events in ``WindowRange/ending(at:length:)``);
/// returns the number of values that differ (floats beyond 1e-9 relative).
func mismatches(
    _ store: OnlineStore, _ layout: AggregateLayout, events: [Int64: [AggregateEvent]], entities: [Int64],
    now: Timestamp
) throws -> Int {
    let names = layout.aggregations.map(\.name)
    let rows = try store.readAggregates(entities.map { [.int64($0)] }, layout: layout, features: names, now: now)
    var differ = 0
    for (row, entity) in zip(rows, entities) {
        for (value, aggregation) in zip(row, layout.aggregations) {
            let window = WindowRange.ending(at: now, length: aggregation.window)
            let column = layout.columns.firstIndex(of: aggregation.column)!
            var state = AggregateState(function: aggregation.function)
            for event in events[entity] ?? [] where window.contains(event.time) {
                state.add(event.values[column], time: event.time.microseconds, created: event.created.microseconds)
            }
            let expected = state.result(inputType: aggregation.inputType)
            switch (value.value, expected) {
            case (.float64(let a), .float64(let b)) where abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)): continue
            case (let a, let b) where a == b: continue
            default: differ += 1
            }
        }
    }
    return differ
}

/// `count` single-event pushes (``OnlineStore/addEvents(_:layout:now:)``, one event each) to the
/// demo's aggregate view, `entities` entities, the clock moving `step` seconds per push (so the
/// run crosses hours, and with enough pushes the retention: expiry happens on the way). Prints the
/// mean push time per 10,000 and the ratio of the last 10,000 to the first, the state's size, and
/// the mismatches against the brute-force reference at the end (every entity up to 500).
func aggregatePushes(count: Int, entities: Int, step: Int64, path: String) throws {
    try? FileManager.default.removeItem(atPath: path)
    let store = try OnlineStore(path: path)
    let layout = demoAggregateLayout()
    var now = Timestamp(seconds: 1_763_596_800)
    var rng = SplitMix64(seed: 7)
    var history: [Int64: [AggregateEvent]] = [:]
    var latencies: [UInt64] = []
    var cpu: [UInt64] = []
    latencies.reserveCapacity(count)
    for index in 0..<count {
        now = now + TimeSpan(microseconds: step * 1_000_000)
        let entity = 1001 + Int64(rng.next() % UInt64(entities))
        let event = AggregateEvent(
            key: [.int64(entity)], id: Int64(index), version: Int64(index),
            time: now - TimeSpan(microseconds: Int64(rng.next() % 30_000_000)), created: now,
            values: [.float64(Double(rng.next() % 5000) / 100), .float64(Double(rng.next() % 30_000) / 1000)],
            versionsShareTime: true)
        history[entity, default: []].append(event)
        let t0 = nanoseconds()
        let c0 = cpuNanoseconds(CLOCK_THREAD_CPUTIME_ID)
        try store.addEvents([event], layout: layout, now: now)
        cpu.append(cpuNanoseconds(CLOCK_THREAD_CPUTIME_ID) - c0)
        latencies.append(nanoseconds() - t0)
    }
    let chunk = 10_000
    var means: [Double] = []
    var cpuMeans: [Double] = []
    for start in stride(from: 0, to: count, by: chunk) {
        let part = latencies[start..<min(count, start + chunk)]
        means.append(Double(part.reduce(0, +)) / Double(part.count) / 1000)
        let cpuPart = cpu[start..<min(count, start + chunk)]
        cpuMeans.append(Double(cpuPart.reduce(0, +)) / Double(cpuPart.count) / 1000)
    }
    print(
        String(
            format: "  thread CPU per push, mean per 10k: [%@] us; last 10k / first 10k = %.2f",
            cpuMeans.map { String(format: "%.0f", $0) }.joined(separator: " "), cpuMeans.last! / cpuMeans.first!))
    let sorted = latencies.sorted()
    let size = try store.aggregateStateSize(layout)
    let checked = Array(history.keys.sorted().prefix(500))
    let differ = try mismatches(store, layout, events: history, entities: checked, now: now)
    print(
        String(
            format:
                "pushes: %d single-event pushes, %d entities, clock +%d s per push (%.1f days): mean per 10k [%@] us; last 10k / first 10k = %.2f; p50 %.1f us, p99 %.1f us; state %d keys, %.1f MB; %d mismatches in %d entities x %d features",
            count, entities, Int(step), Double(count) * Double(step) / 86_400,
            means.map { String(format: "%.0f", $0) }.joined(separator: " "), means.last! / means.first!,
            percentile(sorted, 0.5), percentile(sorted, 0.99), size.keys, Double(size.bytes) / 1e6, differ,
            checked.count, layout.aggregations.count))
}

/// A simulated week and more, an hour per write: `entities` entities with one event each per hour
/// on the first day, then only 10% of them (the rest go quiet) for `days` more days. Prints the
/// state's size before and after, beside the state of a store that only ever saw the active
/// entities' events (the target: the whole at most 2x that), and the mismatches of every active
/// and 500 quiet entities against the brute-force reference.
func aggregateQuiet(entities: Int, days: Int, path: String) throws {
    let layout = demoAggregateLayout()
    var results: [(keys: Int, bytes: Int)] = []
    var firstDay: (keys: Int, bytes: Int) = (0, 0)
    var differ = 0
    var checked = 0
    for activeOnly in [false, true] {
        let storePath = path + (activeOnly ? "-active" : "-all")
        try? FileManager.default.removeItem(atPath: storePath)
        let store = try OnlineStore(path: storePath)
        var now = Timestamp(seconds: 1_763_596_800)
        var rng = SplitMix64(seed: 9)
        var history: [Int64: [AggregateEvent]] = [:]
        var id: Int64 = 0
        let active = max(1, entities / 10)
        for hour in 0..<(24 * (1 + days)) {
            now = now + TimeSpan(microseconds: 3_600_000_000)
            let senders = hour < 24 && !activeOnly ? entities : active
            var batch: [AggregateEvent] = []
            for entity in 0..<senders {
                id += 1
                let event = AggregateEvent(
                    key: [.int64(1001 + Int64(entity))], id: id, version: id,
                    time: now - TimeSpan(microseconds: 1 + Int64(rng.next() % 3_599_000_000)), created: now,
                    values: [
                        .float64(Double(rng.next() % 5000) / 100), .float64(Double(rng.next() % 30_000) / 1000),
                    ],
                    versionsShareTime: true)
                batch.append(event)
                history[1001 + Int64(entity), default: []].append(event)
            }
            try store.addEvents(batch, layout: layout, now: now)
            if hour == 23, !activeOnly { firstDay = try store.aggregateStateSize(layout) }
        }
        results.append(try store.aggregateStateSize(layout))
        if !activeOnly {
            let sample =
                (0..<active).map { 1001 + Int64($0) } + (active..<min(entities, active + 500)).map { 1001 + Int64($0) }
            differ = try mismatches(store, layout, events: history, entities: sample, now: now)
            checked = sample.count
        }
    }
    print(
        String(
            format:
                "quiet: %d entities, all active for a day, then %d%% for %d days: state after the first day %d keys %.1f MB; at the end %d keys %.1f MB; a store with only the active entities %d keys %.1f MB; ratio %.2f (bytes); %d mismatches in %d entities",
            entities, 10, days, firstDay.keys, Double(firstDay.bytes) / 1e6, results[0].keys,
            Double(results[0].bytes) / 1e6, results[1].keys, Double(results[1].bytes) / 1e6,
            Double(results[0].bytes) / Double(results[1].bytes), differ, checked))
}

let arguments = CommandLine.arguments
switch arguments.count >= 2 ? arguments[1] : "" {
case "online-read":
    let entities = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
    let features = arguments.count > 3 ? Int(arguments[3]) ?? 10 : 10
    let path = arguments.count > 4 ? arguments[4] : "bench-work/online-read/store"
    let cacheMiB = arguments.count > 5 ? Int(arguments[5]) ?? 256 : 256
    try await onlineRead(entities: entities, features: features, path: path, rowCacheBytes: cacheMiB << 20)
case "aggregate-fill":
    try aggregateFill(
        events: arguments.count > 2 ? Int(arguments[2]) ?? 1_170_000 : 1_170_000,
        entities: arguments.count > 3 ? Int(arguments[3]) ?? 5000 : 5000,
        path: arguments.count > 4 ? arguments[4] : "bench-work/aggregates/fill")
case "aggregate-pushes":
    try aggregatePushes(
        count: arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000,
        entities: arguments.count > 3 ? Int(arguments[3]) ?? 1000 : 1000,
        step: arguments.count > 4 ? Int64(arguments[4]) ?? 10 : 10,
        path: arguments.count > 5 ? arguments[5] : "bench-work/aggregates/pushes")
case "aggregate-quiet":
    try aggregateQuiet(
        entities: arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000,
        days: arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8,
        path: arguments.count > 4 ? arguments[4] : "bench-work/aggregates/quiet")
case "online-aggregates":
    try onlineAggregates(events: 10_000, path: arguments.count > 2 ? arguments[2] : "bench-work/windows/online")
case "profiles":
    let drivers = arguments.count > 2 ? Int(arguments[2]) ?? 8_700 : 8_700
    let directory = arguments.count > 3 ? arguments[3] : "bench-work/profiles"
    try ProfilesBench.largeSource(drivers: drivers, directory: "\(directory)/large")
    try ProfilesBench.wideDrift(features: 50, drivers: 2_000, directory: "\(directory)/wide")
default:
    print(
        "usage: fs-bench online-read [ENTITIES] [FEATURES] [PATH] [ROW_CACHE_MIB] | online-aggregates [PATH] | aggregate-fill [EVENTS] [ENTITIES] [PATH] | aggregate-pushes [COUNT] [ENTITIES] [STEP_SECONDS] [PATH] | aggregate-quiet [ENTITIES] [DAYS] [PATH] | profiles [DRIVERS] [DIR]"
    )
    exit(64)
}
