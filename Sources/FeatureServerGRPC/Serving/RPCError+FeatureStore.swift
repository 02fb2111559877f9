import FeatureStoreKit
import GRPCCore

extension RPCError {
    /// The gRPC face of an error, with the message HTTP gives for it: a client's mistake is
    /// `INVALID_ARGUMENT`, an unknown view, feature or service `NOT_FOUND`, a store that fails or
    /// is held `UNAVAILABLE` (worth retrying), a state conflict `FAILED_PRECONDITION`; anything
    /// else is `INTERNAL`. RPC errors pass through.
    public init(mapping error: any Error) {
        switch error {
        case let error as RPCError:
            self = error
        case let error as FeatureStoreError:
            let code: RPCError.Code
            switch error.code {
            case .invalidArgument, .invalidInput, .invalidDefinitions: code = .invalidArgument
            case .notFound: code = .notFound
            case .conflict, .breakingChange: code = .failedPrecondition
            case .locked, .storage, .io: code = .unavailable
            default: code = .internalError
            }
            self.init(code: code, message: error.description)
        case is CancellationError:
            self.init(code: .cancelled, message: "the call was cancelled")
        default:
            self.init(code: .internalError, message: "internal error: \(error)")
        }
    }
}

extension RPCError.Code {
    /// Whether the failure is the server's (logged at `error`), not the client's.
    var isServerFailure: Bool { self == .internalError || self == .unavailable || self == .unknown }
}

extension Status.Code {
    /// The canonical name (`OK`, `INVALID_ARGUMENT`, ...), as gRPC's documentation and other
    /// implementations spell it; a metrics label.
    var name: String {
        var out = ""
        for character in String(describing: self) {
            if character.isUppercase { out.append("_") }
            out.append(contentsOf: character.uppercased())
        }
        return out == "INTERNAL_ERROR" ? "INTERNAL" : out
    }
}
