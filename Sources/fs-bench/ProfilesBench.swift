import FeatureStoreKit
import Foundation

/// Profiles and drift through `FeatureStore` (no process start, no printing): the profiling that
/// follows an ingest of a large source, a rebuild of its profiles, and `drift` of a wide service
/// over a day's window. Run through scripts/bench/profiles; build with `-c release`.
enum ProfilesBench {
    static let end = Timestamp(seconds: 1_795_132_800)  // 2026-11-20T00:00:00Z

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = nanoseconds()
        try body()
        return Double(nanoseconds() - start) / 1e9
    }

    /// The CPU time of this process so far (all threads), in seconds: on a shared machine, what a
    /// phase cost regardless of how long it waited for a core.
    static func cpuSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// 1. `drivers` x 24 days of hourly driver statistics (the demo's generator, ~1% re-deliveries).
    static func largeSource(drivers: Int, directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try DemoRepo.write(
            to: directory, options: DemoData.Options(end: end, drivers: drivers, days: 24, trips: 1))
        let store = try FeatureStore(repo: directory, clock: { end + .hours(1) })
        try store.apply()
        let file = (directory as NSString).appendingPathComponent("data/driver_stats.csv")
        var ingested: IngestResult?
        let ingest = try seconds { ingested = try store.ingest(source: "driver_hourly_stats_source", file: file) }
        var update: ProfileUpdateResult?
        let cpuBefore = cpuSeconds()
        let profile = try seconds { update = try store.updateOfflineProfiles(source: "driver_hourly_stats_source") }
        let profileCPU = cpuSeconds() - cpuBefore
        var rebuilds: [Double] = []
        for _ in 0..<3 {
            rebuilds.append(
                try seconds { _ = try store.stats(StatsRequest(reference: "driver_hourly_stats", rebuild: true)) })
        }
        var reads: [Double] = []
        for _ in 0..<5 {
            reads.append(try seconds { _ = try store.stats(StatsRequest(reference: "driver_hourly_stats")) })
        }
        print(
            String(
                format:
                    "profiles of a large source: %d rows ingested in %.2f s; profiling them (3 features, %d rows read) %.2f s wall, %.2f s CPU (target <= 2 s); rebuild best of 3 %.2f s; stats over all stored buckets best of 5 %.3f s",
                ingested?.rows ?? 0, ingest, update?.rows ?? 0, profile, profileCPU, rebuilds.min() ?? 0,
                reads.min() ?? 0))
    }

    /// 2. A service of `features` float64 features, `drivers` x 48 hours of rows, a baseline from a
    /// training set, then `drift` over the last day.
    static func wideDrift(features: Int, drivers: Int, directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        try DemoRepo.write(to: directory, writeData: false)
        let names = (0..<features).map { "f\($0)" }
        var yaml = "sources:\n  - name: wide\n    kind: csv\n    path: data/wide.csv\n"
        yaml +=
            "    timestamp_field: event_timestamp\n    schema:\n      driver_id: int64\n      event_timestamp: timestamp\n"
        for name in names { yaml += "      \(name): float64\n" }
        yaml += "feature_views:\n  - name: wide_view\n    entities: [driver]\n    source: wide\n    ttl: 1d\n"
        yaml += "    features: [\(names.joined(separator: ", "))]\n"
        yaml += "feature_services:\n  - name: wide_service\n    features: [\"wide_view:*\"]\n"
        yaml += "    monitoring: { baseline: wide_base, window: 1d }\n"
        try yaml.write(
            toFile: (directory as NSString).appendingPathComponent("wide.yaml"), atomically: true, encoding: .utf8)
        var rng = SplitMix64(seed: 11)
        var csv = "driver_id,event_timestamp," + names.joined(separator: ",") + "\n"
        var spine = "driver_id,event_timestamp\n"
        for hour in 0..<48 {
            let time = (end - .hours(Int64(47 - hour))).rfc3339
            for driver in 0..<drivers {
                csv += "\(1001 + driver),\(time)"
                for index in 0..<features {
                    // Feature i: roughly uniform on [i, i + 2).
                    csv += ",\(Double(index) + Double(rng.next() % 2_000_000) / 1_000_000)"
                }
                csv += "\n"
                if rng.next() % 10 == 0 {
                    spine += "\(1001 + driver),\((end - .hours(Int64(47 - hour)) + .minutes(30)).rfc3339)\n"
                }
            }
        }
        let dataDirectory = (directory as NSString).appendingPathComponent("data")
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try csv.write(toFile: "\(dataDirectory)/wide.csv", atomically: true, encoding: .utf8)
        try spine.write(toFile: "\(dataDirectory)/spine.csv", atomically: true, encoding: .utf8)
        let store = try FeatureStore(repo: directory, clock: { end })
        try store.apply()
        let ingested = try store.ingest(source: "wide", file: "\(dataDirectory)/wide.csv")
        let saved = try store.trainingSet(
            spine: "\(dataDirectory)/spine.csv", features: .service("wide_service"),
            output: "\(dataDirectory)/train.csv", saveProfile: "wide_base")
        var report: DriftReport?
        let first = try seconds { report = try store.drift(DriftRequest(service: "wide_service")) }
        var runs: [Double] = []
        let cpuBefore = cpuSeconds()
        for _ in 0..<10 {
            runs.append(try seconds { report = try store.drift(DriftRequest(service: "wide_service")) })
        }
        let cpuPerRun = (cpuSeconds() - cpuBefore) / 10
        let statuses = Dictionary(grouping: report?.features ?? [], by: \.status).mapValues(\.count)
        print(
            String(
                format:
                    "drift of %d features over a 1-day window (%d rows stored, baseline of %d rows): first run (profiles brought up to date) %.3f s, then best of 10 %.4f s, median %.4f s, CPU %.4f s per run (target <= 0.1 s)",
                features, ingested.rows, saved.result.rows, first, runs.min() ?? 0, runs.sorted()[runs.count / 2],
                cpuPerRun)
                + "; statuses: " + statuses.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", "))
    }
}
