import ArgumentParser
import FeatureStoreKit
import Foundation

/// A point in time on the command line: RFC 3339 with a zone (`2026-01-31T12:00:00Z`,
/// `2026-01-31T13:00:00.5+01:00`; years 0001 to 9999) or `now`.
struct TimestampArgument: ExpressibleByArgument {
    var timestamp: Timestamp

    /// Parses an argument, or throws saying what is wrong with it (ArgumentParser shows the message
    /// after "The value '...' is invalid for '<end>'").
    init(parsing argument: String) throws {
        if argument == "now" {
            timestamp = Timestamp.now()
            return
        }
        do {
            timestamp = try Timestamp.parsing(argument)
        } catch {
            throw FeatureStoreError.invalidArgument(
                "\(error.reason); use RFC 3339 such as 2026-01-31T12:00:00Z, or now")
        }
    }

    init?(argument: String) {
        guard let parsed = try? TimestampArgument(parsing: argument) else { return nil }
        self = parsed
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A comma-separated list (`--views a,b`).
func commaSeparated(_ text: String?) -> [String]? {
    text.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}
