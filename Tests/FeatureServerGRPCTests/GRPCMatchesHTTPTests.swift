import FeastProtos
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import Hummingbird
import HummingbirdTesting
import SwiftProtobuf
import Testing

@testable import FeatureServer

/// gRPC answers what HTTP answers: random rows of every type (nulls, extremes, rows older than the
/// ttl, same-time rows), random feature lists and entity lists (repeats, unknown ids), compared
/// value by value with HTTP's JSON for the same request, over several seeds.
@Suite struct GRPCMatchesHTTPTests {
    static let features = [
        "driver_live:rating", "driver_live:city", "typed:trips", "typed:ratio", "typed:label", "typed:active",
        "typed:blob", "typed:seen_at", "driver_trip_stats:trips_1h", "driver_hourly_stats:conv_rate",
    ]

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomLookupsAgree(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let fixture = try await GRPCFixture.make()
        let seedRows = Self.randomRows(&random)
        let requests = (0..<40).map { _ in Self.randomRequest(&random) }
        try await fixture.run { http, clients in
            // Rows older than a stored one are not written (online writes are monotonic): the
            // comparison is with whatever HTTP then serves.
            for (view, df, _) in seedRows {
                let answer = try await http.post(
                    "/write-to-online-store", #"{"feature_view_name": "\#(view)", "df": \#(df)}"#)
                #expect(answer.status == 200, "\(answer.json)")
            }
            for request in requests {
                // Parsed with the server's own parser: Foundation's JSONSerialization on Linux
                // reads some doubles one ulp off.
                let (status, body) = try await http.execute(
                    uri: "/get-online-features", method: .post, body: ByteBuffer(string: request.json)
                ) { ($0.status.code, Array($0.body.readableBytesView)) }
                #expect(status == 200, "\(request.json) \(String(decoding: body, as: UTF8.self))")
                let json = try JSONParser.parse(body).foundation as? [String: Any] ?? [:]
                let proto = try await clients.serving.getOnlineFeatures(request.proto)
                Self.expectSame(json: json, proto: proto, request: request.json)
            }
        }
    }

    struct Request {
        var json: String
        var proto: Feast_Serving_GetOnlineFeaturesRequest
    }

    static func randomRequest(_ random: inout SplitMix64) -> Request {
        var features = features.filter { _ in random.next() % 3 == 0 }
        if features.isEmpty { features = ["typed:*"] }
        features.shuffle(using: &random)
        let full = random.next() % 2 == 0
        let ids = (0..<Int(random.next() % 12)).map { _ in Int64(random.next() % 30) + 1 }
        let json =
            #"{"features": [\#(features.map { "\"\($0)\"" }.joined(separator: ", "))], "entities": {"driver_id": [\#(ids.map(String.init).joined(separator: ", "))]}, "full_feature_names": \#(full)}"#
        return Request(
            json: json,
            proto: onlineRequest(
                features: features, entities: ["driver_id": ids.map { .int64($0) }], fullFeatureNames: full))
    }

    /// Three rounds of writes to `driver_live` and `typed` for random drivers 1...30.
    static func randomRows(_ random: inout SplitMix64) -> [(String, String, Int)] {
        let now = GRPCFixture.now.microseconds
        func time(_ random: inout SplitMix64) -> String {
            // Within 3 hours before now (the live view's ttl is 1 hour), often on the same second.
            let offset =
                random.next() % 2 == 0 ? Int64(random.next() % 3) * 1_000_000 : Int64(random.next() % 10_800_000_000)
            return "\"\(Timestamp(microseconds: now - offset).rfc3339)\""
        }
        func maybe(_ random: inout SplitMix64, _ text: String) -> String { random.next() % 5 == 0 ? "null" : text }
        var writes: [(String, String, Int)] = []
        for _ in 0..<3 {
            let ids = Array(Set((0..<10).map { _ in Int64(random.next() % 30) + 1 })).sorted()
            var live: [String: [String]] = [:]
            var typed: [String: [String]] = [:]
            for id in ids {
                live["driver_id", default: []].append(String(id))
                live["rating", default: []].append(maybe(&random, "\(Double(random.next() % 1000) / 7)"))
                live["city", default: []].append(maybe(&random, jsonString(randomText(&random))))
                live["event_timestamp", default: []].append(time(&random))
                typed["driver_id", default: []].append(String(id))
                let extremes: [Int64] = [.max, .min, 0, -1]
                let trips = random.next() % 4 == 0 ? extremes[Int(random.next() % 4)] : Int64(bitPattern: random.next())
                typed["trips", default: []].append(maybe(&random, String(trips)))
                let doubles = [-0.0, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 0.1, -2.5e-10]
                let ratio = doubles[Int(random.next() % UInt64(doubles.count))]
                typed["ratio", default: []].append(maybe(&random, "\(ratio)"))
                typed["label", default: []].append(maybe(&random, jsonString(randomText(&random))))
                typed["active", default: []].append(maybe(&random, random.next() % 2 == 0 ? "true" : "false"))
                let bytes = (0..<Int(random.next() % 9)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                typed["blob", default: []].append(maybe(&random, "\"\(Data(bytes).base64EncodedString())\""))
                let span = UInt64(Timestamp.latestValid.microseconds - Timestamp.earliestValid.microseconds)
                let seen = Timestamp.earliestValid.microseconds + Int64(random.next() % span)
                typed["seen_at", default: []].append(maybe(&random, "\"\(Timestamp(microseconds: seen).rfc3339)\""))
                typed["event_timestamp", default: []].append(time(&random))
            }
            writes.append(("driver_live", frame(live), ids.count))
            writes.append(("typed", frame(typed), ids.count))
        }
        return writes
    }

    static func frame(_ columns: [String: [String]]) -> String {
        "{" + columns.map { "\"\($0.key)\": [\($0.value.joined(separator: ", "))]" }.joined(separator: ", ") + "}"
    }

    static func randomText(_ random: inout SplitMix64) -> String {
        let pieces = ["a", "Z", "ü", "✓", "\"", "\\", "\n", " ", "𝄞", "0"]
        return (0..<Int(random.next() % 6)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    static func jsonString(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    static func expectSame(json: [String: Any], proto: Feast_Serving_GetOnlineFeaturesResponse, request: String) {
        let names = (json["metadata"] as? [String: Any])?["feature_names"] as? [String] ?? []
        #expect(proto.metadata.featureNames.val == names, "\(request)")
        let results = json["results"] as? [[String: Any]] ?? []
        guard results.count == proto.results.count else {
            Issue.record("\(results.count) JSON columns, \(proto.results.count) protobuf ones: \(request)")
            return
        }
        for (column, vector) in zip(results, proto.results) {
            let values = column["values"] as? [Any] ?? []
            let statuses = column["statuses"] as? [String] ?? []
            let times = column["event_timestamps"] as? [String] ?? []
            #expect(vector.statuses.map(name) == statuses, "\(request)")
            #expect(vector.eventTimestamps.map(rfc3339) == times, "\(request)")
            #expect(values.count == vector.values.count, "\(request)")
            for (value, protoValue) in zip(values, vector.values) {
                #expect(same(value, protoValue), "\(value) vs \(protoValue): \(request)")
            }
        }
    }

    static func name(_ status: Feast_Serving_FieldStatus) -> String {
        switch status {
        case .present: "PRESENT"
        case .nullValue: "NULL_VALUE"
        case .notFound: "NOT_FOUND"
        case .outsideMaxAge: "OUTSIDE_MAX_AGE"
        default: "INVALID"
        }
    }

    static func rfc3339(_ time: Google_Protobuf_Timestamp) -> String {
        Timestamp(microseconds: time.seconds * 1_000_000 + Int64(time.nanos / 1000)).rfc3339
    }

    static func same(_ json: Any, _ proto: Feast_Types_Value) -> Bool {
        switch proto.val {
        case nil: return json is NSNull
        case .int64Val(let number)?: return json as? Int64 == number
        case .doubleVal(let number)?:
            guard let parsed = json as? Double else { return false }
            return parsed == number && parsed.sign == number.sign
        case .stringVal(let text)?: return json as? String == text
        case .boolVal(let flag)?: return json as? Bool == flag
        case .bytesVal(let data)?: return (json as? String).flatMap { Data(base64Encoded: $0) } == data
        case .unixTimestampVal(let seconds)?:
            guard let text = json as? String, let time = Timestamp.parse(text) else { return false }
            let micros = time.microseconds
            return (micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000) == seconds
        default: return false
        }
    }
}

extension JSONValue {
    /// The value as JSONSerialization would give it, with Swift's own number types (`Int64`,
    /// `Double`, `Bool`) so nothing is read through NSNumber.
    var foundation: Any {
        switch self {
        case .null: NSNull()
        case .bool(let flag): flag
        case .int(let number): number
        case .largeInteger(let text): Double(text) ?? .nan
        case .double(let number): number
        case .string(let text): text
        case .array(let items): items.map(\.foundation)
        case .object(let members): Dictionary(members.map { ($0.key, $0.value.foundation) }) { first, _ in first }
        }
    }
}
