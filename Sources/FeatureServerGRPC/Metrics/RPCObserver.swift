import FeatureServer
import GRPCCore
import Logging

/// Counts and times every call per method and status code into the server's metrics, maps
/// errors to their gRPC status, and logs the server's own failures (nothing for a normal call,
/// as over HTTP).
struct RPCObserver: Sendable {
    let metrics: ServerMetrics
    let logger: Logger

    /// Runs `body` as the call to `method`: its result, or its error as an ``RPCError``.
    func observe<Result>(_ method: MethodDescriptor, _ body: () async throws -> Result) async throws -> Result {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            record(method, code: .ok, since: started)
            return result
        } catch {
            let rpcError = RPCError(mapping: error)
            if rpcError.code.isServerFailure {
                logger.error(
                    "gRPC call failed",
                    metadata: ["method": "\(method.fullyQualifiedMethod)", "error": "\(error)"])
            }
            record(method, code: Status.Code(rpcError.code), since: started)
            throw rpcError
        }
    }

    private func record(_ method: MethodDescriptor, code: Status.Code, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        metrics.recordRPC(method: method.fullyQualifiedMethod, code: code.name, nanoseconds: nanoseconds)
    }
}
