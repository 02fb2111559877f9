import ArgumentParser
import FeatureStoreKit
import Foundation

/// A point in time on the command line: RFC 3339 (`2026-01-31T12:00:00Z`) or `now`.
struct TimestampArgument: ExpressibleByArgument {
    var timestamp: Timestamp

    init?(argument: String) {
        if argument == "now" {
            timestamp = Timestamp.now()
        } else if let parsed = Timestamp.parse(argument) {
            timestamp = parsed
        } else {
            return nil
        }
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A comma-separated list (`--views a,b`).
func commaSeparated(_ text: String?) -> [String]? {
    text.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}
