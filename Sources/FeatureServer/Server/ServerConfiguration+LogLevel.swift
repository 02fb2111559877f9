import FeatureStoreKit
import Logging

extension ServerConfiguration {
    /// Sets the log level from its name: trace, debug, info, notice, warning, error or critical.
    ///
    /// - Throws: `invalidArgument` listing the names for any other value.
    public mutating func setLogLevel(named name: String) throws {
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue)
            throw FeatureStoreError.invalidArgument(
                "unknown log level '\(name)'; use one of \(names.joined(separator: ", "))")
        }
        logLevel = level
    }
}

extension FeatureServer {
    /// Sends the process's logs to stderr; call once, before opening a server.
    public static func bootstrapLogging() {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }
}
