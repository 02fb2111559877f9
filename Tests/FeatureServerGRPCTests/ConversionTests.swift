import FeastProtos
import FeatureStoreKit
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@testable import FeatureServerGRPC

@Suite struct ConversionTests {
    /// The floor and the remainder, checked against a slow reference on random and edge instants.
    @Test func timestampsSplitIntoFloorSecondsExactly() {
        var random = SplitMix64(seed: 14)
        var samples: [Int64] = [0, 1, -1, 999_999, -999_999, 1_000_000, -1_000_000, .max, .min, .min + 1]
        samples += (0..<2000).map { _ in Int64(bitPattern: random.next()) }
        for micros in samples {
            let (seconds, remainder) = Timestamp(microseconds: micros).floorSeconds
            #expect((0..<1_000_000).contains(remainder), "\(micros)")
            // seconds * 10^6 + remainder == micros, computed in 128 bits.
            let wide = seconds.multipliedFullWidth(by: 1_000_000)
            let rebuilt = (Int128(wide.high) << 64 | Int128(wide.low)) + Int128(remainder)
            #expect(rebuilt == Int128(micros), "\(micros)")
            if micros > Timestamp.min.microseconds {
                let proto = Google_Protobuf_Timestamp(Timestamp(microseconds: micros))
                #expect(proto.seconds == seconds && Int64(proto.nanos) == remainder * 1000)
            }
        }
    }

    @Test func valuesTakeTheirMembers() {
        #expect(Feast_Types_Value(.null).val == nil)
        #expect(Feast_Types_Value(.int64(-3)).val == .int64Val(-3))
        #expect(Feast_Types_Value(.float64(0.5)).val == .doubleVal(0.5))
        #expect(Feast_Types_Value(.string("x")).val == .stringVal("x"))
        #expect(Feast_Types_Value(.bool(false)).val == .boolVal(false))
        #expect(Feast_Types_Value(.bytes([1, 2])).val == .bytesVal(Data([1, 2])))
        #expect(Feast_Types_Value(.timestamp(Timestamp(microseconds: -1))).val == .unixTimestampVal(-1))
        #expect(Feast_Types_Value(.timestamp(Timestamp(microseconds: 2_999_999))).val == .unixTimestampVal(2))
    }

    @Test func statusCodesHaveTheirCanonicalNames() {
        let expected: [(Status.Code, String)] = [
            (.ok, "OK"), (.cancelled, "CANCELLED"), (.unknown, "UNKNOWN"), (.invalidArgument, "INVALID_ARGUMENT"),
            (.deadlineExceeded, "DEADLINE_EXCEEDED"), (.notFound, "NOT_FOUND"), (.alreadyExists, "ALREADY_EXISTS"),
            (.permissionDenied, "PERMISSION_DENIED"), (.resourceExhausted, "RESOURCE_EXHAUSTED"),
            (.failedPrecondition, "FAILED_PRECONDITION"), (.aborted, "ABORTED"), (.outOfRange, "OUT_OF_RANGE"),
            (.unimplemented, "UNIMPLEMENTED"), (.internalError, "INTERNAL"), (.unavailable, "UNAVAILABLE"),
            (.dataLoss, "DATA_LOSS"), (.unauthenticated, "UNAUTHENTICATED"),
        ]
        for (code, name) in expected { #expect(code.name == name) }
    }
}
