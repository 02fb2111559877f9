import FeatureStoreKit
import Testing

@testable import FeatureServer

@Suite struct FeastResponseWriterTests {
    /// The fast writer must write exactly what FeastJSON writes, for every value type and status.
    @Test func matchesFeastJSONByteForByte() throws {
        let times: [Int64] = [
            0, 1, 999_999, 1_795_488_000_000_000, 1_795_488_000_250_000, -1, -86_400_000_001, 951_782_400_000_000,
        ]
        let values: [FeatureValue] = [
            .null, .int64(0), .int64(-42), .int64(.max), .int64(.min), .float64(0.1), .float64(-2.5e-9), .float64(.nan),
            .string("a\"b\\c\n\u{01}é"), .bool(true), .bool(false), .bytes([0, 255, 7]),
            .timestamp(Timestamp(microseconds: 1_795_488_000_123_456)),
        ]
        let statuses: [FeatureStatus] = [.present, .notFound, .nullValue, .outsideMaxAge]
        var columns: [[OnlineValue]] = []
        for column in 0..<4 {
            columns.append(
                values.indices.map { row in
                    OnlineValue(
                        value: values[(row + column) % values.count], status: statuses[(row + column) % statuses.count],
                        eventTime: row % 5 == 4
                            ? nil : Timestamp(microseconds: times[(row * (column + 1)) % times.count]))
                })
        }
        let response = OnlineFeaturesResponse(names: ["driver_id", "f\"1", "f2", "f3"], values: columns)
        let fast = FeastResponseWriter.encode(response)
        #expect(String(decoding: fast, as: UTF8.self) == String(decoding: FeastJSON.encode(response), as: UTF8.self))
    }
}
