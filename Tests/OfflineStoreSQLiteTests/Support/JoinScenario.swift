import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import SQLite

/// A randomized training-set scenario: entities with int, string or two-part keys, two sources
/// (one with a created timestamp, one without, optionally read in place from SQLite), three
/// views with random ttls (0 included), and a spine with unknown keys, rows before any data,
/// rows exactly on event times and on `t - ttl`, and duplicates.
struct JoinScenario {
    enum KeyKind: CaseIterable { case int, string, pair }

    struct Table {
        var source: Source
        /// Raw CSV text per schema column, in ingest order.
        var rows: [[String]]
    }

    let keyKind: KeyKind
    let definitions: RepoDefinitions
    let tables: [Table]
    let spineColumns: [String]
    let spine: [[String]]
    let requested: [(view: String, features: [String])]
    let fullNames: Bool
    let inPlace: Bool

    /// Where the scenario's times lie: today, or at either end of the supported years.
    static let bases = [
        Timestamp(seconds: 1_767_225_600),  // 2026-01-01T00:00:00Z
        Timestamp.parse("0001-01-01T06:00:00Z")!,
        Timestamp.parse("9999-12-31T12:00:00Z")!,
    ]
    static let slot: Int64 = 1800

    let base: Timestamp

    /// `t` as RFC 3339 text in a random zone offset (one that keeps the local date within years
    /// 0001-9999) and sometimes with zero fraction digits: the same instant, written differently.
    static func render(_ t: Timestamp, _ rng: inout SplitMix64) -> String {
        let offsets: [Int64] =
            t.microseconds < 0
            ? [0, 330, 840] : t.microseconds > 200_000_000_000_000_000 ? [0, -480, -720] : [0, 330, -480]
        let minutes = offsets[Int(rng.next() % UInt64(offsets.count))]
        var text = Timestamp(microseconds: t.microseconds + minutes * 60_000_000).rfc3339
        text.removeLast()  // "Z"
        if !text.contains("."), rng.next() % 3 == 0 { text += [".0", ".000", ".000000"][Int(rng.next() % 3)] }
        if minutes == 0 { return text + (rng.next() % 2 == 0 ? "Z" : "+00:00") }
        let sign = minutes < 0 ? "-" : "+"
        let hours = abs(minutes) / 60
        let rest = abs(minutes) % 60
        return text + sign + (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    var keyNames: [String] { keyKind == .pair ? ["k1", "k2"] : ["k"] }

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func below(_ n: Int64) -> Int64 { Int64(rng.next() % UInt64(n)) }

        keyKind = KeyKind.allCases[Int(seed % 3)]
        let base = Self.bases[Int(seed / 3 % 3)]
        self.base = base
        func time(_ slots: Int64, plus seconds: Int64 = 0) -> Timestamp {
            Timestamp(microseconds: base.microseconds + (slots * Self.slot + seconds) * 1_000_000)
        }
        inPlace = seed % 4 == 3
        let entities: [Entity]
        let keyFields: [Field]
        let keyPool: [[String]]
        let unknownKeys: [[String]]
        switch keyKind {
        case .int:
            entities = [Entity(name: "e", joinKeys: [JoinKey(name: "k", valueType: .int64)])]
            keyFields = [Field(name: "k", type: .int64)]
            keyPool = [["1"], ["2"], ["3"], ["-4"]]
            unknownKeys = [["99"]]
        case .string:
            entities = [Entity(name: "e", joinKeys: [JoinKey(name: "k", valueType: .string)])]
            keyFields = [Field(name: "k", type: .string)]
            keyPool = [["a"], ["b,c"], ["d\"q"], ["1"]]
            unknownKeys = [["zz"], ["A"]]
        case .pair:
            entities = [
                Entity(name: "e1", joinKeys: [JoinKey(name: "k1", valueType: .int64)]),
                Entity(name: "e2", joinKeys: [JoinKey(name: "k2", valueType: .string)]),
            ]
            keyFields = [Field(name: "k1", type: .int64), Field(name: "k2", type: .string)]
            keyPool = [["1", "x"], ["1", "y"], ["2", "x"], ["2", "y"]]
            unknownKeys = [["3", "x"], ["1", "z"]]
        }
        let entityNames = entities.map(\.name)
        let s1 = Source(
            name: "s1", kind: .csv, path: "s1.csv", timestampField: "ts", createdTimestampField: "created",
            schema: keyFields + [
                Field(name: "ts", type: .timestamp), Field(name: "created", type: .timestamp),
                Field(name: "a", type: .int64), Field(name: "b", type: .float64), Field(name: "c", type: .string),
            ])
        var s2 = Source(
            name: "s2", kind: .csv, path: "s2.csv", timestampField: "ts2",
            schema: keyFields + [
                Field(name: "ts2", type: .timestamp), Field(name: "d", type: .float64), Field(name: "e", type: .string),
            ])
        if inPlace {
            s2.kind = .sqlite
            s2.path = nil
            s2.table = "raw_s2"
        }
        let ttls: [TimeSpan] = [.zero, .seconds(1800), .seconds(3600), .seconds(7200)]
        let views = [
            FeatureView(
                name: "v1", entities: entityNames, source: "s1", ttl: pick(ttls),
                features: [
                    Feature(name: "a", type: .int64), Feature(name: "b", type: .float64),
                    Feature(name: "c", type: .string),
                ]),
            FeatureView(
                name: "v2", entities: entityNames, source: "s2", ttl: pick(ttls),
                features: [Feature(name: "d", type: .float64), Feature(name: "e", type: .string)]),
            FeatureView(
                name: "v3", entities: entityNames, source: "s1", ttl: pick(ttls),
                features: [Feature(name: "b", type: .float64)]),
        ]
        definitions = RepoDefinitions(entities: entities, sources: [s1, s2], featureViews: views)

        func value(_ type: ValueType) -> String {
            if chance(10) { return "" }
            switch type {
            case .int64: return String(below(200) - 100)
            case .float64: return (Double(below(2000) - 1000) / 8).description
            default: return pick(["p", "q r", "s,t", "u\"v", "w"])
            }
        }
        var rows1: [[String]] = []
        for _ in 0..<(30 + Int(below(40))) {
            // Exact duplicates are distinct events too (the later arrival wins the tie).
            if let last = rows1.last, chance(10) {
                rows1.append(last)
                continue
            }
            let event = time(below(12))
            let created = event + .seconds(60 * below(3))
            rows1.append(
                pick(keyPool) + [
                    Self.render(event, &rng), Self.render(created, &rng), value(.int64), value(.float64),
                    value(.string),
                ])
        }
        var rows2: [[String]] = []
        var seen = Set<[String]>()
        for _ in 0..<(20 + Int(below(40))) {
            let key = pick(keyPool)
            let instant = time(below(12), plus: chance(20) ? 1 : 0)
            let event = Self.render(instant, &rng)
            // Read in place, rows have no arrival order: keep (key, event) unique so no tie is arbitrary.
            if inPlace && !seen.insert(key + [String(instant.microseconds)]).inserted { continue }
            rows2.append(key + [event, value(.float64), value(.string)])
        }
        tables = [Table(source: s1, rows: rows1), Table(source: s2, rows: rows2)]

        spineColumns = keyFields.map(\.name) + ["event_timestamp", "label"]
        var spine: [[String]] = []
        for _ in 0..<(40 + Int(below(40))) {
            if let last = spine.last, chance(15) {
                spine.append(last)
                continue
            }
            let key = chance(10) ? pick(unknownKeys) : pick(keyPool)
            let t = time(below(18) - 3, plus: pick([0, 0, 0, 1, -1]))
            spine.append(key + [Self.render(t, &rng), pick(["0", "1", "x,y", "\"q\""])])
        }
        self.spine = spine
        fullNames = chance(50)
        requested =
            fullNames
            ? [("v2", ["e", "d"]), ("v1", ["a", "b", "c"]), ("v3", ["b"])]
            : [("v1", ["c", "a"]), ("v2", ["d", "e"])]
    }

    // MARK: Running

    /// Ingests the scenario's data into a fresh store (`offline`, or a SQLite store in
    /// `directory`) and returns the training set as CSV rows.
    func run(in directory: TestDirectory, offline: (any OfflineHistoryStore)? = nil) throws -> [[String]] {
        let store: any OfflineHistoryStore = try offline ?? directory.store()
        var locations: [String: HistoryLocation] = [:]
        for table in tables {
            let header = table.source.schema.map(\.name).joined(separator: ",")
            let body = table.rows.map { $0.map(csvField).joined(separator: ",") + "\n" }.joined()
            if table.source.kind == .sqlite {
                try loadInPlace(table, into: directory.file("offline.db"))
                locations[table.source.name] = .inPlace(table.source)
                continue
            }
            let history = HistoryTable(source: table.source, generation: 1, definitions: definitions)
            try store.prepare([history])
            let file = try directory.write("\(table.source.name).csv", header + "\n" + body)
            _ = try store.ingest(file: file, format: .csv, into: history)
            locations[table.source.name] = .table(history)
        }
        let spineText = ([spineColumns] + spine).map { $0.map(csvField).joined(separator: ",") + "\n" }.joined()
        let spinePath = try directory.write("spine.csv", spineText)
        let views = requested.map { request in
            let view = definitions.featureView(request.view)!
            let features = request.features.map { view.feature(named: $0)! }
            return TrainingSetView(
                view: view, joinKeys: definitions.joinKeys(of: view), history: locations[view.source]!,
                features: features, outputNames: request.features.map { fullNames ? "\(view.name)__\($0)" : $0 })
        }
        let output = directory.file("out.csv")
        _ = try store.trainingSet(
            spine: spinePath, spineFormat: .csv, views: views, output: output, outputFormat: .csv, profile: false)
        return parseCSV(try String(contentsOfFile: output, encoding: .utf8))
    }

    private func loadInPlace(_ table: Table, into path: String) throws {
        let database = try Database(path: path)
        let columns = table.source.schema.map { quoteIdentifier($0.name) }.joined(separator: ", ")
        try database.execute("CREATE TABLE raw_s2 (\(columns))")
        let insert = try database.prepare(
            "INSERT INTO raw_s2 VALUES (\(Array(repeating: "?", count: table.source.schema.count).joined(separator: ", ")))"
        )
        for row in table.rows {
            let values: [SQLiteValue] = zip(table.source.schema, row).map { field, text in
                if text.isEmpty { return .null }
                switch field.type {
                case .int64: return .integer(Int64(text)!)
                case .float64: return .real(Double(text)!)
                default: return .text(text)
                }
            }
            try insert.run(values)
        }
    }

    // MARK: The reference

    /// The expected output, computed by brute force from the definition of the semantics.
    func expected() -> [[String]] {
        var header = spineColumns
        for request in requested {
            header += request.features.map { fullNames ? "\(request.view)__\($0)" : $0 }
        }
        // Every ingested row is an event, duplicates included.
        var stored: [String: [[String]]] = [:]
        for table in tables { stored[table.source.name] = table.rows }
        var rows = [header]
        for spineRow in spine {
            var out = spineRow
            let key = Array(spineRow[..<keyNames.count])
            let t = Timestamp.parse(spineRow[keyNames.count])!
            for request in requested {
                let view = definitions.featureView(request.view)!
                let source = definitions.source(view.source)!
                let schema = source.schema.map(\.name)
                let eventIndex = schema.firstIndex(of: source.timestampField)!
                let createdIndex = source.createdTimestampField.flatMap { schema.firstIndex(of: $0) }
                var best: [String]?
                var bestOrder: (Timestamp, Timestamp)?
                for row in stored[source.name]! where Array(row[..<keyNames.count]) == key {
                    let event = Timestamp.parse(row[eventIndex])!
                    let created = createdIndex.map { Timestamp.parse(row[$0])! } ?? Timestamp(microseconds: 0)
                    guard event <= t else { continue }
                    if view.ttl > .zero && event < t - view.ttl { continue }
                    // Full ties (same event and created time) go to the later arrival.
                    if let order = bestOrder, (event, created) < order { continue }
                    best = row
                    bestOrder = (event, created)
                }
                for feature in request.features {
                    out.append(best.map { $0[schema.firstIndex(of: feature)!] } ?? "")
                }
            }
            rows.append(out)
        }
        return rows
    }
}
