import ArgumentParser
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import ServiceLifecycle

extension FS {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Serve online features over HTTP and gRPC (Feast-compatible), with push, materialization, metrics and a scheduler.",
            discussion: """
                Prints `fs serve listening on http://HOST:PORT` once it accepts HTTP connections, and \
                `fs serve gRPC listening on HOST:PORT` once gRPC does (Feast's feast.serving.ServingService and \
                grpc.health.v1.Health; --no-grpc turns it off). Stops gracefully on SIGINT/SIGTERM. While it runs \
                it holds a RocksDB online store, and `fs materialize` sends its work to it; with a Redis online store \
                any number of servers run on one repo, and `fs materialize` writes to Redis itself. Endpoints: see \
                docs/server.md.
                """)

        @OptionGroup var repoOptions: RepoOptions

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on (0 picks a free one).")
        var port = ServerConfiguration.defaultPort

        @Option(help: "The port of the gRPC server, on the same host (0 picks a free one).")
        var grpcPort = GRPCConfiguration.defaultPort

        @Flag(help: "Serve HTTP only: no gRPC server.")
        var noGrpc = false

        @Option(help: "The most entity rows one request may carry.")
        var maxEntities = ServerConfiguration.defaultMaxEntities

        @Option(help: ArgumentHelp("The largest request body accepted, in bytes.", valueName: "bytes"))
        var maxBody = ServerConfiguration.defaultMaxBodyBytes

        @Option(help: "trace, debug, info, notice, warning, error or critical.")
        var logLevel = "info"

        @Flag(help: "Do not run scheduled materializations.")
        var noScheduler = false

        @Flag(help: "Do not serve the web UI (/ui).")
        var noUi = false

        @Option(
            help: ArgumentHelp(
                "Recompute the monitoring gauges (drift, null ratios, freshness) this often.", valueName: "seconds"))
        var monitoringInterval = 60

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
            guard (0...65535).contains(grpcPort) else {
                throw ValidationError("--grpc-port \(grpcPort) is not a port; give 0...65535")
            }
            if !noGrpc, grpcPort != 0, grpcPort == port {
                throw ValidationError(
                    "--grpc-port \(grpcPort) is also the HTTP --port; give gRPC another port (or --no-grpc)")
            }
            guard maxEntities > 0 else { throw ValidationError("--max-entities must be at least 1") }
            guard maxBody > 0 else { throw ValidationError("--max-body must be at least 1 byte") }
            for (name, value) in [
                ("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout),
            ] where !(1...86_400).contains(value) {
                throw ValidationError("\(name) \(value) is not a timeout; give 1...86400 seconds")
            }
            guard (1...86_400).contains(monitoringInterval) else {
                throw ValidationError(
                    "--monitoring-interval \(monitoringInterval) is not an interval; give 1...86400 seconds")
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
                monitoringInterval: .seconds(monitoringInterval), uiEnabled: !noUi, limits: limits, tls: tls)
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
            var services: [any Service] = []
            if !noGrpc {
                do {
                    services.append(
                        try GRPCFeatureServer(
                            serving: server,
                            configuration: GRPCConfiguration(
                                port: grpcPort, version: "fs \(FS.configuration.version)"),
                            onListening: { target in
                                FileHandle.standardOutput.write(Data("fs serve gRPC listening on \(target)\n".utf8))
                            }))
                } catch let error as FeatureStoreError {
                    printError("error: \(error.description)")
                    throw ExitCode.failure
                }
            }
            do {
                try await server.run(additionalServices: services) { url in
                    FileHandle.standardOutput.write(Data("fs serve listening on \(url)\n".utf8))
                }
            } catch let error as FeatureStoreError {
                printError("error: \(error.description)")
                throw ExitCode.failure
            }
        }
    }
}
