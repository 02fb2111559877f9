import FeatureStoreCore
import Foundation

/// The ride-sharing demo repo that `fs init` writes.
public enum DemoRepo {
    /// The files of the repo besides its data, by path.
    public static let files: [(path: String, text: String)] = [
        ("feature_store.yaml", featureStoreYAML),
        ("entities.yaml", entitiesYAML),
        ("driver_stats.yaml", driverStatsYAML),
        ("trips.yaml", tripsYAML),
        ("services.yaml", servicesYAML),
        (".gitignore", "data/\n.fs/\n"),
    ]

    static let featureStoreYAML = """
        # fs feature repo: where the registry and the stores live (paths relative to this folder).
        project: rides
        registry: .fs/registry.db
        offline_store:
          type: sqlite
          path: .fs/offline.db
        online_store:
          type: rocksdb
          path: .fs/online

        """

    static let entitiesYAML = """
        entities:
          - name: driver
            description: A driver of the ride-sharing service.
            join_keys:
              - name: driver_id
                value_type: int64

        """

    static let driverStatsYAML = """
        # Hourly statistics per driver, computed upstream and delivered as a CSV file.
        # A row can be delivered again later with corrected values: the later `created` wins.
        sources:
          - name: driver_hourly_stats_source
            kind: csv
            path: data/driver_stats.csv
            timestamp_field: event_timestamp
            created_timestamp_field: created
            schema:
              driver_id: int64
              event_timestamp: timestamp
              created: timestamp
              conv_rate: float64
              acc_rate: float64
              avg_daily_trips: int64

        feature_views:
          - name: driver_hourly_stats
            description: The latest hourly statistics of a driver, valid for one day.
            owner: mobility-ml@example.com
            entities: [driver]
            source: driver_hourly_stats_source
            ttl: 1d
            schedule: every 5m
            features:
              - name: conv_rate
                type: float64
                description: Share of ride offers the driver converted.
              - name: acc_rate
                type: float64
                description: Share of ride offers the driver accepted.
              - name: avg_daily_trips
                type: int64
            tags:
              team: mobility

        """

    static let tripsYAML = """
        # Completed trips, one event per trip: the input of windowed aggregates.
        sources:
          - name: trips
            kind: csv
            path: data/trips.csv
            timestamp_field: event_timestamp
            schema:
              driver_id: int64
              event_timestamp: timestamp
              fare: float64
              distance_km: float64

        feature_views:
          - name: driver_trip_stats
            description: Trip counts and fares of a driver over sliding windows.
            entities: [driver]
            source: trips
            schedule: every 1m
            lateness: 1h
            aggregations:
              - { column: fare, function: count, window: 1h, name: trips_1h }
              - { column: fare, function: sum, window: 1d, name: fare_sum_1d }
              - { column: fare, function: avg, window: 7d, name: fare_avg_7d }
              - { column: distance_km, function: max, window: 1d, name: distance_max_1d }
              - { column: fare, function: count, window: 7d, name: trips_7d }

        """

    static let servicesYAML = """
        feature_services:
          - name: driver_activity
            description: What the ride-ranking model reads for a driver.
            features:
              - driver_hourly_stats:conv_rate
              - driver_hourly_stats:acc_rate
              - driver_hourly_stats:avg_daily_trips
              - driver_trip_stats:*

        """

    /// Writes the demo repo into `directory`.
    ///
    /// - Parameters:
    ///   - writeDefinitions: write the YAML files (refusing to overwrite existing ones).
    ///   - writeData: generate `data/driver_stats.csv` and `data/trips.csv`.
    /// - Returns: the paths written, relative to `directory`.
    @discardableResult
    public static func write(
        to directory: String, writeDefinitions: Bool = true, writeData: Bool = true, options: DemoData.Options = .init()
    ) throws -> [String] {
        let manager = FileManager.default
        var written: [String] = []
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if writeDefinitions {
                let existing = files.map(\.path).filter {
                    manager.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) && $0 != ".gitignore"
                }
                if !existing.isEmpty {
                    throw FeatureStoreError(
                        .conflict,
                        "\(directory) already holds \(existing.joined(separator: ", ")); choose an empty directory, or pass --data-only to regenerate only the data"
                    )
                }
                for file in files {
                    try file.text.write(
                        toFile: (directory as NSString).appendingPathComponent(file.path), atomically: true,
                        encoding: .utf8)
                    written.append(file.path)
                }
            }
            if writeData {
                let dataDirectory = (directory as NSString).appendingPathComponent("data")
                try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
                let data = DemoData(options: options)
                try data.driverStatsCSV().write(
                    to: URL(fileURLWithPath: (dataDirectory as NSString).appendingPathComponent("driver_stats.csv")))
                try data.tripsCSV().write(
                    to: URL(fileURLWithPath: (dataDirectory as NSString).appendingPathComponent("trips.csv")))
                written += ["data/driver_stats.csv", "data/trips.csv"]
            }
        } catch let error as FeatureStoreError {
            throw error
        } catch {
            throw FeatureStoreError.io("cannot write the demo repo to \(directory): \(error.localizedDescription)")
        }
        return written
    }
}
