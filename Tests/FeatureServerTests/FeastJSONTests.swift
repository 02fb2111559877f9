import FeatureStoreKit
import Foundation
import Testing

@testable import FeatureServer

/// ``FeastJSON``, the one writer of Feast's lookup answers (it replaced a second, faster writer
/// that a test kept equal to it): checked against exact text, and against Foundation's JSON reader
/// on random responses.
@Suite struct FeastJSONTests {
    @Test func writesFeastsShapeExactly() {
        let epoch = Timestamp(microseconds: 0)
        let time = Timestamp.parse("2026-11-24T02:00:00Z")!
        let fraction = Timestamp.parse("2026-11-24T02:00:00.123456Z")!
        let response = OnlineFeaturesResponse(
            names: ["driver_id", "f\"1", "f2"],
            values: [
                [
                    OnlineValue(value: .int64(1001), status: .present, eventTime: epoch),
                    OnlineValue(value: .int64(.min), status: .present, eventTime: epoch),
                    OnlineValue(value: .int64(.max), status: .present, eventTime: epoch),
                ],
                [
                    OnlineValue(value: .float64(0.5), status: .present, eventTime: time),
                    OnlineValue(value: .null, status: .notFound, eventTime: nil),
                    OnlineValue(value: .float64(.nan), status: .present, eventTime: fraction),
                ],
                [
                    OnlineValue(value: .string("a\"b\\c\n\u{01}é"), status: .present, eventTime: time),
                    OnlineValue(value: .bytes([0, 255, 7]), status: .nullValue, eventTime: time),
                    OnlineValue(value: .timestamp(fraction), status: .outsideMaxAge, eventTime: time),
                ],
            ])
        let expected =
            #"{"metadata":{"feature_names":["driver_id","f\"1","f2"]},"results":["#
            + #"{"values":[1001,-9223372036854775808,9223372036854775807],"statuses":["PRESENT","PRESENT","PRESENT"],"event_timestamps":["1970-01-01T00:00:00Z","1970-01-01T00:00:00Z","1970-01-01T00:00:00Z"]},"#
            + #"{"values":[0.5,null,null],"statuses":["PRESENT","NOT_FOUND","PRESENT"],"event_timestamps":["2026-11-24T02:00:00Z","1970-01-01T00:00:00Z","2026-11-24T02:00:00.123456Z"]},"#
            + #"{"values":["a\"b\\c\n\u0001é","AP8H","2026-11-24T02:00:00.123456Z"],"statuses":["PRESENT","NULL_VALUE","OUTSIDE_MAX_AGE"],"event_timestamps":["2026-11-24T02:00:00Z","2026-11-24T02:00:00Z","2026-11-24T02:00:00Z"]}]}"#
        #expect(String(decoding: FeastJSON.encode(response), as: UTF8.self) == expected)
    }

    @Test func anEmptyAnswerIsStillFeastsShape() {
        let response = OnlineFeaturesResponse(names: ["driver_id", "x"], values: [[], []])
        #expect(
            String(decoding: FeastJSON.encode(response), as: UTF8.self)
                == #"{"metadata":{"feature_names":["driver_id","x"]},"results":[{"values":[],"statuses":[],"event_timestamps":[]},{"values":[],"statuses":[],"event_timestamps":[]}]}"#
        )
    }

    /// Random values of every type (extremes, NaN, strings with every control character, times
    /// repeated down a column and not) read back by Foundation as what was written.
    @Test(arguments: 0..<6)
    func randomResponsesReadBackAsWritten(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let statuses: [FeatureStatus] = [.present, .notFound, .nullValue, .outsideMaxAge]
        for _ in 0..<40 {
            let rows = Int(rng.next() % 30)
            let columnCount = 1 + Int(rng.next() % 5)
            var columns: [[OnlineValue]] = []
            for _ in 0..<columnCount {
                var shared = Timestamp(microseconds: Int64(bitPattern: rng.next()) % 400_000_000_000_000_000)
                columns.append(
                    (0..<rows).map { _ in
                        if rng.next() % 3 == 0 {
                            shared = Timestamp(microseconds: Int64(bitPattern: rng.next()) % 400_000_000_000_000_000)
                        }
                        return OnlineValue(
                            value: Self.randomValue(&rng), status: statuses[Int(rng.next() % 4)],
                            eventTime: rng.next() % 7 == 0 ? nil : shared)
                    })
            }
            let names = (0..<columnCount).map { _ in Self.randomText(&rng) }
            let response = OnlineFeaturesResponse(names: names, values: columns)
            let bytes = FeastJSON.encode(response)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            // Foundation reads decimals approximately on Linux: floats are compared exactly through
            // the server's own strict reader.
            guard case .object(let top) = try JSONParser.parse(bytes), case .array(let exactResults) = top[1].value
            else {
                Issue.record("not Feast's shape: \(String(decoding: bytes, as: UTF8.self))")
                return
            }
            #expect((json["metadata"] as? [String: Any])?["feature_names"] as? [String] == names)
            let results = try #require(json["results"] as? [[String: Any]])
            #expect(results.count == columnCount)
            for ((column, result), exact) in zip(zip(columns, results), exactResults) {
                let values = try #require(result["values"] as? [Any])
                guard case .array(let exactValues)? = exact["values"] else {
                    Issue.record("no values in \(exact)")
                    return
                }
                for (value, read) in zip(column, exactValues) {
                    guard case .float64(let number) = value.value, number.isFinite else { continue }
                    #expect(read == .double(number), "\(number) read back as \(read)")
                }
                #expect(result["statuses"] as? [String] == column.map(\.status.rawValue))
                #expect(
                    result["event_timestamps"] as? [String]
                        == column.map { ($0.eventTime ?? Timestamp(microseconds: 0)).rfc3339 })
                for (value, read) in zip(column, values) {
                    #expect(Self.readsBack(value.value, read), "\(value.value) read back as \(read)")
                }
            }
        }
    }

    static func readsBack(_ value: FeatureValue, _ read: Any) -> Bool {
        switch value {
        case .null: return read is NSNull
        case .int64(let v): return (read as? NSNumber)?.int64Value == v && "\(read)" == String(v)
        case .float64(let v): return v.isFinite ? read is NSNumber : read is NSNull
        case .bool(let v): return (read as? Bool) == v
        case .string(let v): return (read as? String) == v
        case .bytes(let v): return (read as? String).flatMap { Data(base64Encoded: $0) } == Data(v)
        case .timestamp(let v): return (read as? String) == v.rfc3339
        }
    }

    static func randomValue(_ rng: inout SplitMix64) -> FeatureValue {
        switch rng.next() % 9 {
        case 0: return .null
        case 1: return .int64([Int64.min, .max, 0, -1][Int(rng.next() % 4)])
        case 2: return .int64(Int64(bitPattern: rng.next()))
        case 3:
            let special: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, .greatestFiniteMagnitude, 1e-300]
            return .float64(rng.next() % 4 == 0 ? special[Int(rng.next() % 7)] : Double(bitPattern: rng.next()))
        case 4: return .float64(Double(Int64(bitPattern: rng.next()) % 1_000_000) / 1000)
        case 5: return .bool(rng.next() % 2 == 0)
        case 6: return .string(randomText(&rng))
        case 7: return .bytes((0..<Int(rng.next() % 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        default: return .timestamp(Timestamp(microseconds: Int64(bitPattern: rng.next()) % 200_000_000_000_000_000))
        }
    }

    /// Text mixing every ASCII character (controls, quotes, backslashes) and multi-byte ones.
    static func randomText(_ rng: inout SplitMix64) -> String {
        let extra: [Unicode.Scalar] = ["é", "€", "😀", "\u{7F}", "\u{2028}", "/"]
        var text = ""
        for _ in 0..<Int(rng.next() % 24) {
            if rng.next() % 4 == 0 {
                text.unicodeScalars.append(extra[Int(rng.next() % UInt64(extra.count))])
            } else {
                text.unicodeScalars.append(Unicode.Scalar(UInt8(rng.next() % 128)))
            }
        }
        return text
    }
}
