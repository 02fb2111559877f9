import FeatureStoreKit
import Foundation
import HummingbirdTesting
import Testing

@testable import FeatureServer

/// Issue 10: lookups parsed the whole body into a `JSONValue` tree before `--max-entities`
/// applied (an 8 MiB array of small numbers cost 100 to 200 MB). They now decode in place,
/// straight into typed keys. The decoder is checked against the tree-based decoding it replaced
/// (kept here as the reference) on random bodies, errors included, and its bounds one by one.
@Suite struct LookupDecodingTests {
    /// A string join key beside the fixture's int64 ones.
    static let cityYAML = """
        entities:
          - name: city
            join_keys:
              - name: city_name
                value_type: string

        sources:
          - name: city_events
            kind: push
            timestamp_field: event_timestamp
            schema:
              city_name: string
              event_timestamp: timestamp
              busy: float64

        feature_views:
          - name: city_live
            entities: [city]
            source: city_events
            features:
              - name: busy
                type: float64

        """

    static func fixture(configure: @escaping (inout ServerConfiguration) -> Void = { _ in }) async throws
        -> ServerFixture
    {
        try await ServerFixture.make(configure: configure) { repo in
            try cityYAML.write(toFile: repo + "/city.yaml", atomically: true, encoding: .utf8)
            _ = try FeatureStore(repo: repo).apply()
        }
    }

    // MARK: Against the reference

    /// Random bodies (members in any order, odd whitespace, escapes, unknown members, values of
    /// every kind in the entity columns, unequal columns, unknown columns) decode to the same
    /// selection and entities as the tree-based decoding, or fail with the same message.
    @Test(arguments: 0..<8)
    func decodesAsTheTreeBasedDecodingDid(seed: UInt64) async throws {
        let fixture = try await Self.fixture()
        let state = fixture.server.state.current
        let plan = try FeatureSelection(features: ["pair_stats:trips", "city_live:busy"]).plan(state).plan
        #expect(plan.joinKeys.map(\.name) == ["driver_id", "rider_id", "city_name"])
        let limits = LookupLimits(entities: 6, references: 1000, keyColumns: 1000)
        var rng = SplitMix64(seed: seed)
        var outcomes: [String: Int] = [:]
        for _ in 0..<600 {
            let body = RandomLookupBody.make(&rng)
            let expected = ReferenceLookup.decode(body, maxEntities: limits.entities, plan: plan)
            let actual = Array(body.utf8).withUnsafeBufferPointer { bytes in
                Result { () throws -> ReferenceLookup.Decoded in
                    let request = try OnlineFeaturesRequest(bytes, limits: limits)
                    let rows = try request.entities(in: bytes, for: plan).validated(for: plan)
                    return ReferenceLookup.Decoded(selection: request.selection, entities: rows)
                }
            }
            switch (expected, actual) {
            case (.success(let want), .success(let got)):
                #expect(got.selection == want.selection, "\(body)")
                #expect(got.entities == want.entities, "\(body)")
                outcomes["decoded", default: 0] += 1
            case (.failure(let want as FeatureStoreError), .failure(let got as FeatureStoreError)):
                #expect(got.code == want.code, "\(body)")
                #expect(got.message == want.message, "\(body)")
                outcomes[want.code.description, default: 0] += 1
            default:
                Issue.record("reference \(expected), decoder \(actual), for \(body)")
            }
        }
        // The generator reaches both outcomes, and errors of both kinds.
        #expect(outcomes["decoded", default: 0] > 50, "\(outcomes)")
        #expect(outcomes["invalid_argument", default: 0] > 50, "\(outcomes)")
        #expect(outcomes["invalid_input", default: 0] > 5, "\(outcomes)")
    }

    // MARK: Bounds

    /// Members the lookup does not use are checked and passed over, however large: a 200,000
    /// number array beside a small lookup costs nothing to keep.
    @Test func largeUnknownMembersArePassedOver() async throws {
        let fixture = try await Self.fixture()
        let numbers = Array(repeating: "7", count: 200_000).joined(separator: ",")
        try await fixture.test { client in
            let answer = try await client.post(
                "/get-online-features",
                #"{"padding": [\#(numbers)], "features": ["driver_live:rating"], "entities": {"driver_id": [1]}, "more": {"a": {"b": [[]]}}}"#
            )
            #expect(answer.status == 200, "\(answer.json)")
            #expect(answer.column(named: "rating").statuses == ["NOT_FOUND"])
        }
    }

    /// A column longer than `--max-entities` is counted, not kept, and refused with its count.
    @Test func entityRowsBeyondTheLimitAreCountedAndRefused() async throws {
        let fixture = try await Self.fixture { $0.maxEntities = 100 }
        let ids = (0..<100_000).map(String.init).joined(separator: ",")
        try await fixture.test { client in
            let answer = try await client.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {"driver_id": [\#(ids)]}}"#)
            #expect(answer.status == 400)
            #expect(
                answer.errorMessage
                    == "\"entities\" has 100000 rows, more than the server's limit of 100 (--max-entities); split the request"
            )
        }
    }

    /// Decoding stops at `--max-entities`: past it no value is decoded into a key (values no key
    /// could take are not reported), while within it each value is decoded and checked.
    @Test func valuesPastTheLimitAreNeverDecoded() async throws {
        let fixture = try await Self.fixture { $0.maxEntities = 3 }
        try await fixture.test { client in
            let over = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1, 2, 3, "x", -1.5, 99999999999999999999, {"a": [null]}, true]}}"#
            )
            #expect(over.status == 400)
            #expect(
                over.errorMessage
                    == "\"entities\" has 8 rows, more than the server's limit of 3 (--max-entities); split the request")
            let within = try await client.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1, 2, "x"]}}"#
            )
            #expect(within.status == 400)
            #expect(within.errorMessage.contains("entities.driver_id[2]"), "\(within.errorMessage)")
            let atTheLimit = try await client.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1, 2, 3]}}"#)
            #expect(atTheLimit.status == 200, "\(atTheLimit.json)")
            #expect(atTheLimit.column(named: "rating").statuses == ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"])
        }
    }

    /// No valid lookup lists more references than the served views have features (plus one
    /// `view:*` each), nor more entity columns than there are join keys; longer lists are
    /// refused before their items are kept.
    @Test func featureListsAndEntityColumnsAreBoundedByTheRegistry() async throws {
        let fixture = try await Self.fixture()
        let state = fixture.server.state.current
        let definitions = state.snapshot.definitions
        let references = definitions.featureViews.reduce(0) { $0 + $1.outputFeatures.count + 1 }
        #expect(state.referenceLimit == references)
        #expect(state.keyColumnLimit == 3)  // driver_id, rider_id, city_name
        let many = Array(repeating: #""driver_live:rating""#, count: references + 1).joined(separator: ",")
        let columns = (0..<4).map { #""k\#($0)": [1]"# }.joined(separator: ",")
        try await fixture.test { client in
            let tooManyReferences = try await client.post(
                "/get-online-features", #"{"features": [\#(many)], "entities": {"driver_id": [1]}}"#)
            #expect(tooManyReferences.status == 400)
            #expect(
                tooManyReferences.errorMessage.contains("\"features\" lists more than \(references) references"),
                "\(tooManyReferences.errorMessage)")
            let tooManyColumns = try await client.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {\#(columns)}}"#)
            #expect(tooManyColumns.status == 400)
            #expect(
                tooManyColumns.errorMessage.contains("\"entities\" has more than 3 columns"),
                "\(tooManyColumns.errorMessage)")
            // At the bounds: the usual answers (a repeated reference, an unknown join key).
            let repeated = try await client.post(
                "/get-online-features",
                #"{"features": ["driver_live:rating", "driver_live:rating"], "entities": {"driver_id": [1]}}"#)
            #expect(repeated.errorMessage.contains("requested twice"), "\(repeated.errorMessage)")
            let threeColumns = (0..<3).map { #""k\#($0)": [1]"# }.joined(separator: ",")
            let unknown = try await client.post(
                "/get-online-features", #"{"features": ["driver_live:rating"], "entities": {\#(threeColumns)}}"#)
            #expect(unknown.errorMessage.contains("'k0' is not a join key"), "\(unknown.errorMessage)")
        }
    }

    /// Repeated members are refused anywhere in a lookup body, also inside members it ignores
    /// and in objects large enough for the hashed check.
    @Test func repeatedMembersAnywhereAreRefused() async throws {
        let fixture = try await Self.fixture()
        let large = (0..<50).map { #""m\#($0)": \#($0)"# }.joined(separator: ",")
        try await fixture.test { client in
            for extra in [#"{"a": 1, "a": 2}"#, "{\(large), \"m17\": 0}", #"[{"x": [], "y": 1, "x": {}}]"#] {
                let answer = try await client.post(
                    "/get-online-features",
                    #"{"features": ["driver_live:rating"], "entities": {"driver_id": [1]}, "extra": \#(extra)}"#)
                #expect(answer.status == 400)
                #expect(answer.errorCode == "invalid_input")
                #expect(answer.errorMessage.contains("repeats the member"), "\(answer.errorMessage)")
            }
        }
    }

    /// A body that arrives in many pieces (chunked, a few bytes each) reads as in one piece.
    @Test func aBodyInManyPiecesReadsAsInOne() async throws {
        let fixture = try await Self.fixture()
        let body =
            #"{"features": ["pair_stats:trips", "city_live:busy"], "entities": {"driver_id": [1, -2], "rider_id": [7, 8], "city_name": ["Lima", "Zürich \"q\""]}}"#
        try await fixture.test(.live) { client in
            let port = try #require(client.port)
            let whole = try await client.post("/get-online-features", body)
            #expect(whole.status == 200, "\(whole.json)")
            let connection = try RawConnection(port: port)
            var request =
                "POST /get-online-features HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            var rest = Substring(body)
            while !rest.isEmpty {
                let piece = rest.prefix(7)
                rest = rest.dropFirst(7)
                request += String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n"
            }
            try await connection.send(request + "0\r\n\r\n")
            let pieces = try await connection.readAnswer()
            #expect(pieces.status == 200)
            #expect(
                (pieces.json["metadata"] as? [String: Any])?["feature_names"] as? [String]
                    == ["driver_id", "rider_id", "city_name", "trips", "busy"])
            let values = (pieces.json["results"] as? [[String: Any]])?.map { $0["values"] as? [Any] ?? [] }
            #expect(values?[2].compactMap { $0 as? String } == ["Lima", "Zürich \"q\""])
        }
    }
}

/// The lookup decoding before issue 10, for reference: the whole body parsed into a tree, then
/// the members read from it in this order.
enum ReferenceLookup {
    struct Decoded {
        var selection: FeatureSelection
        var entities: EntityRows
    }

    static func decode(_ body: String, maxEntities: Int, plan: OnlineReadPlan) -> Result<Decoded, any Error> {
        Result {
            let tree = try JSONParser.parse(Array(body.utf8))
            guard case .object = tree else {
                throw FeatureStoreError.invalidArgument(
                    "the request body is \(tree.kindDescription); send a JSON object with \"features\" and \"entities\""
                )
            }
            var selection = FeatureSelection()
            switch (tree["features"], tree["feature_service"]) {
            case (.some, .some):
                throw FeatureStoreError.invalidArgument("give either \"features\" or \"feature_service\", not both")
            case (.some(let features), nil):
                guard case .array(let items) = features else {
                    throw FeatureStoreError.invalidArgument(
                        "\"features\" is \(features.kindDescription); give an array of \"view:feature\" strings")
                }
                selection.features = try items.map { item in
                    guard case .string(let text) = item else {
                        throw FeatureStoreError.invalidArgument(
                            "feature reference \(item.shortDescription) is not of the form \"view:feature\"")
                    }
                    return text
                }
            case (nil, .some(let service)):
                guard case .string(let name) = service else {
                    throw FeatureStoreError.invalidArgument(
                        "\"feature_service\" is \(service.kindDescription); give the service's name")
                }
                selection.service = name
            case (nil, nil):
                throw FeatureStoreError.invalidArgument(
                    "name the features: give \"features\": [\"view:feature\", ...] or \"feature_service\": \"name\"")
            }
            switch tree["full_feature_names"] {
            case nil, .null?: break
            case .bool(let flag)?: selection.fullFeatureNames = flag
            case let other?:
                throw FeatureStoreError.invalidArgument(
                    "\"full_feature_names\" is \(other.kindDescription); give true or false")
            }
            guard let entities = tree["entities"] else {
                throw FeatureStoreError.invalidArgument("missing \"entities\": give {\"join_key\": [values...]}")
            }
            guard case .object(let members) = entities else {
                throw FeatureStoreError.invalidArgument(
                    "\"entities\" is \(entities.kindDescription); give {\"join_key\": [values...]}")
            }
            var columns: [(name: String, values: [JSONValue])] = []
            for (name, column) in members {
                guard case .array(let items) = column else {
                    throw FeatureStoreError.invalidArgument(
                        "entity column '\(name)' is \(column.kindDescription); give an array with one value per entity")
                }
                if items.count > maxEntities {
                    throw FeatureStoreError.invalidArgument(
                        "\"entities\" has \(items.count) rows, more than the server's limit of \(maxEntities) (--max-entities); split the request"
                    )
                }
                columns.append((name, items))
            }
            let rows = EntityRows(
                columns: try columns.map { column in
                    guard let key = plan.joinKeys.first(where: { $0.name == column.name }) else {
                        return (column.name, [])
                    }
                    return (
                        column.name,
                        try column.values.enumerated().map { row, value in
                            try value.entityKey(as: key.valueType, at: JSONPath.cell("entities", column.name, row))
                        }
                    )
                })
            return Decoded(selection: selection, entities: try rows.validated(for: plan))
        }
    }
}

/// Random lookup bodies: about half without a mistake, the others with every kind of mistake now
/// and then.
enum RandomLookupBody {
    static func make(_ rng: inout SplitMix64) -> String {
        let clean = rng.next() % 2 == 0
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func mistake(_ percent: UInt64) -> Bool { !clean && chance(percent) }
        func space() -> String { ["", " ", "\n  ", "\t", "\r\n"][Int(rng.next() % 5)] }
        var members: [String] = []
        if !mistake(5) {
            let references = ["pair_stats:trips", "city_live:busy", "driver_live:*", "x", "a\\u0062:c"]
            var items = (0..<Int(rng.next() % 3)).map { _ in "\"\(references[Int(rng.next() % 5)])\"" }
            if mistake(5) { items.append(["1", "null", "[]", "{}"][Int(rng.next() % 4)]) }
            members.append(
                mistake(4)
                    ? #""features": "pair_stats:trips""# : #""features":\#(space())[\#(items.joined(separator: ","))]"#)
        }
        if mistake(6) { members.append(chance(50) ? #""feature_service": "svc""# : #""feature_service": 3"#) }
        if chance(30) {
            let flags = clean ? ["true", "false", "null"] : ["true", "false", "null", "\"yes\"", "1"]
            members.append(#""full_feature_names": \#(flags[Int(rng.next() % UInt64(flags.count))])"#)
        }
        if !mistake(5) {
            if mistake(3) {
                members.append(#""entities": [1]"#)
            } else {
                let columns = entityColumns(&rng, clean: clean)
                members.append(#""entities":\#(space()){\#(columns.joined(separator: ",\(space())"))}"#)
            }
        }
        if chance(20) { members.append(#""extra": {"nested": [1, "two", {"three": null}], "n": -0.5e3}"#) }
        members.shuffle(using: &rng)
        var body = "{\(space())" + members.joined(separator: ",\(space())") + "\(space())}"
        if mistake(3) { body = "[" + body + "]" }
        if mistake(4) {
            // A syntax error somewhere.
            let cut = body.index(body.startIndex, offsetBy: Int(rng.next() % UInt64(body.count)))
            body = String(body[..<cut]) + ["", "}", ",", "tru", "\u{01}"][Int(rng.next() % 5)] + String(body[cut...])
        }
        if mistake(2) { body = #"{"a": 1, "a": 2, "entities": {}}"# }
        return body
    }

    static func entityColumns(_ rng: inout SplitMix64, clean: Bool) -> [String] {
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func mistake(_ percent: UInt64) -> Bool { !clean && chance(percent) }
        let rows = Int(rng.next() % 7)
        var names = ["driver_id", "rider_id", "city_name"].filter { _ in !mistake(10) }
        if mistake(10) { names.append(["drivr_id", "city\\u005fname", "other"][Int(rng.next() % 3)]) }
        names.shuffle(using: &rng)
        return names.map { name in
            if mistake(3) { return "\"\(name)\": \(["5", "\"x\"", "{}", "null"][Int(rng.next() % 4)])" }
            let count = mistake(8) ? Int(rng.next() % 8) : rows
            let isString = name.hasPrefix("city")
            let values = (0..<count).map { _ in
                isString ? stringValue(&rng, clean: clean) : intValue(&rng, clean: clean)
            }
            return "\"\(name)\": [\(values.joined(separator: ", "))]"
        }
    }

    static func intValue(_ rng: inout SplitMix64, clean: Bool) -> String {
        switch clean ? 9 + rng.next() % 31 : rng.next() % 40 {
        case 0: return "9223372036854775808"
        case 1: return "-9223372036854775809"
        case 2: return "1.0"
        case 3: return "1e2"
        case 4: return "\"17\""
        case 5: return "null"
        case 6: return "true"
        case 7: return "[1]"
        case 8: return "{\"a\": 1}"
        case 9: return String(Int64.min)
        case 10: return String(Int64.max)
        case 11: return "-0"
        default: return String(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
        }
    }

    static func stringValue(_ rng: inout SplitMix64, clean: Bool) -> String {
        switch clean ? 3 + rng.next() % 22 : rng.next() % 25 {
        case 0: return "17"
        case 1: return "null"
        case 2: return "[\"a\"]"
        case 3: return "\"\\u00e9\\ud83d\\ude00\\n\\\"\""
        case 4: return "\"" + String(repeating: "long ", count: 20) + "\""
        default:
            let text = String(
                (0..<Int(rng.next() % 8)).map { _ in Character(Unicode.Scalar(UInt8(97 + rng.next() % 26))) })
            return "\"\(text)\""
        }
    }
}
