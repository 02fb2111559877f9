import ArgumentParser
import FeatureServer
import FeatureStoreKit
import Foundation

extension FS {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Serve online features over HTTP (Feast-compatible), with push, materialization, metrics and a scheduler.",
            discussion: """
                Prints `fs serve listening on http://HOST:PORT` once it accepts connections. Stops gracefully on \
                SIGINT/SIGTERM. While it runs it holds the online store; `fs materialize` then sends its work to it. \
                Endpoints: see docs/server.md.
                """)

        @OptionGroup var repoOptions: RepoOptions

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on (0 picks a free one).")
        var port = ServerConfiguration.defaultPort

        @Option(help: "The most entity rows one request may carry.")
        var maxEntities = ServerConfiguration.defaultMaxEntities

        @Option(help: ArgumentHelp("The largest request body accepted, in bytes.", valueName: "bytes"))
        var maxBody = ServerConfiguration.defaultMaxBodyBytes

        @Option(help: "trace, debug, info, notice, warning, error or critical.")
        var logLevel = "info"

        @Flag(help: "Do not run scheduled materializations.")
        var noScheduler = false

        @Option(help: ArgumentHelp("Close a keep-alive connection idle this long.", valueName: "seconds"))
        var idleTimeout = Int(ConnectionLimits.defaultIdleTimeout.components.seconds)

        @Option(help: ArgumentHelp("A request's headers must arrive within this.", valueName: "seconds"))
        var headerTimeout = Int(ConnectionLimits.defaultHeaderTimeout.components.seconds)

        @Option(help: ArgumentHelp("A request's body must arrive within this of its headers.", valueName: "seconds"))
        var bodyTimeout = Int(ConnectionLimits.defaultBodyTimeout.components.seconds)

        @Option(help: "Connections open at once; more are answered 503.")
        var maxConnections = ConnectionLimits.defaultMaxConnections

        @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (with --tls-key).", valueName: "file"))
        var tlsCert: String?

        @Option(help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
        var tlsKey: String?

        func validate() throws {
            guard (0...65535).contains(port) else {
                throw ValidationError("--port \(port) is not a port; give 0...65535")
            }
            guard maxEntities > 0 else { throw ValidationError("--max-entities must be at least 1") }
            guard maxBody > 0 else { throw ValidationError("--max-body must be at least 1 byte") }
            for (name, value) in [
                ("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout),
            ] where !(1...86_400).contains(value) {
                throw ValidationError("\(name) \(value) is not a timeout; give 1...86400 seconds")
            }
            guard maxConnections > 0 else { throw ValidationError("--max-connections must be at least 1") }
            guard (tlsCert == nil) == (tlsKey == nil) else {
                throw ValidationError("--tls-cert and --tls-key go together; give both or neither")
            }
        }

        func run() async throws {
            let limits = ConnectionLimits(
                idleTimeout: .seconds(idleTimeout), headerTimeout: .seconds(headerTimeout),
                bodyTimeout: .seconds(bodyTimeout), maxConnections: maxConnections)
            let tls = tlsCert.map { ServerConfiguration.TLSFiles(certificatePath: $0, keyPath: tlsKey ?? "") }
            var configuration = ServerConfiguration(
                host: host, port: port, maxEntities: maxEntities, maxBodyBytes: maxBody, schedulerEnabled: !noScheduler,
                limits: limits, tls: tls)
            do {
                try configuration.setLogLevel(named: logLevel)
            } catch let error as FeatureStoreError {
                throw ValidationError(error.message)
            }
            FeatureServer.bootstrapLogging()
            FeatureServer.raiseOpenFileLimit()
            let server: FeatureServer
            do {
                server = try await FeatureServer(repo: repoOptions.repo, configuration: configuration)
            } catch let error as FeatureStoreError {
                printError("error: \(error.description)")
                throw ExitCode.failure
            }
            try await server.run { url in
                FileHandle.standardOutput.write(Data("fs serve listening on \(url)\n".utf8))
            }
        }
    }
}
