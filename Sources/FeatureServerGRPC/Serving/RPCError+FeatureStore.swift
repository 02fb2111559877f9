import FeatureServer
import FeatureStoreKit
import GRPCCore
import HTTPTypes

extension RPCError {
    /// The gRPC face of an error, with the message HTTP gives for it (``APIError``): a client's
    /// mistake is `INVALID_ARGUMENT`, an unknown view, feature or service `NOT_FOUND`, a missing or
    /// unknown token `UNAUTHENTICATED`, a token without the role `PERMISSION_DENIED`, a store that
    /// fails or is held `UNAVAILABLE` (worth retrying), a state conflict `FAILED_PRECONDITION`;
    /// anything else is `INTERNAL`. As over HTTP, a failure of the server (a 500 there) names only
    /// `requestID`, under which the log has the details. RPC errors pass through.
    public init(mapping error: any Error, requestID: String) {
        switch error {
        case let error as RPCError:
            self = error
        case let error as FeatureStoreError:
            let code: RPCError.Code
            switch error.code {
            case .invalidArgument, .invalidInput, .invalidDefinitions: code = .invalidArgument
            case .notFound: code = .notFound
            case .conflict, .breakingChange: code = .failedPrecondition
            case .locked, .storage, .unavailable, .io: code = .unavailable
            default: code = .internalError
            }
            self.init(code: code, message: APIError(error).publicMessage(requestID: requestID))
        case let error as APIError:
            let code: RPCError.Code
            switch error.status.code {
            case 400: code = .invalidArgument
            case 401: code = .unauthenticated
            case 403: code = .permissionDenied
            case 404: code = .notFound
            case 409: code = .failedPrecondition
            case 413, 429: code = .resourceExhausted
            case 423, 503: code = .unavailable
            default: code = .internalError
            }
            self.init(code: code, message: error.publicMessage(requestID: requestID))
        case is CancellationError:
            self.init(code: .cancelled, message: "the call was cancelled")
        default:
            self.init(
                code: .internalError, message: APIError(wrapping: error).publicMessage(requestID: requestID))
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
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internalError: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        default: "CODE_\(rawValue)"
        }
    }
}
