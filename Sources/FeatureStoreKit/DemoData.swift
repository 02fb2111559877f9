import FeatureStoreCore
import Foundation

/// Deterministic demo data: the same options give the same bytes.
public struct DemoData: Sendable {
    public struct Options: Sendable {
        public var seed: UInt64
        /// The last hour of data; the data covers `days` before it.
        public var end: Timestamp
        public var drivers: Int
        public var days: Int
        public var trips: Int

        public init(seed: UInt64 = 42, end: Timestamp? = nil, drivers: Int = 200, days: Int = 14, trips: Int = 80_000) {
            self.seed = seed
            let now = end ?? Timestamp.now()
            let hour: Int64 = 3_600_000_000
            self.end = Timestamp(microseconds: now.microseconds - ((now.microseconds % hour) + hour) % hour)
            self.drivers = drivers
            self.days = days
            self.trips = trips
        }
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    public static let firstDriverID: Int64 = 1001

    /// `driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips`: one row per driver
    /// and hour, and about 1% of rows delivered again an hour later with corrected values.
    public func driverStatsCSV() -> Data {
        var rng = SplitMix64(seed: options.seed)
        var out = CSVBuffer()
        out.line("driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips")
        let hours = options.days * 24
        let hour: Int64 = 3_600_000_000
        let start = options.end.microseconds - Int64(hours - 1) * hour
        for h in 0..<hours {
            let eventTime = Timestamp(microseconds: start + Int64(h) * hour)
            for d in 0..<options.drivers {
                let driver = Self.firstDriverID + Int64(d)
                let created = eventTime + .seconds(Int64(rng.next() % 300))
                let conv = Double(rng.next() % 1_000_000) / 1_000_000
                let acc = Double(rng.next() % 1_000_000) / 1_000_000
                let trips = Int64(rng.next() % 40)
                out.row(driver, eventTime, created, conv, acc, trips)
                if rng.next() % 100 == 0 {
                    out.row(driver, eventTime, created + .hours(1), min(1, conv + 0.01), acc, trips + 1)
                }
            }
        }
        return out.data
    }

    /// `driver_id,event_timestamp,fare,distance_km`: trips spread over the period.
    public func tripsCSV() -> Data {
        var rng = SplitMix64(seed: options.seed &+ 1)
        var out = CSVBuffer()
        out.line("driver_id,event_timestamp,fare,distance_km")
        let span = Int64(options.days) * 86_400_000_000
        let start = options.end.microseconds + 3_600_000_000 - span
        var times = (0..<options.trips).map { _ in start + Int64(rng.next() % UInt64(span)) }
        times.sort()
        for time in times {
            let driver = Self.firstDriverID + Int64(rng.next() % UInt64(options.drivers))
            let distance = Double(rng.next() % 30_000) / 1000 + 0.5
            let tip = Double(rng.next() % 500) / 100
            let fare = ((2.5 + distance * 1.2 + tip) * 100).rounded() / 100
            out.row(driver, Timestamp(microseconds: time), fare, (distance * 1000).rounded() / 1000)
        }
        return out.data
    }
}

/// Appends CSV rows to a byte buffer.
struct CSVBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 22) }

    mutating func line(_ text: String) {
        bytes += text.utf8
        bytes.append(10)
    }

    mutating func row(_ fields: any CustomStringConvertible...) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(44) }
            if let time = field as? Timestamp { bytes += time.rfc3339.utf8 } else { bytes += field.description.utf8 }
        }
        bytes.append(10)
    }

    var data: Data { Data(bytes) }
}
