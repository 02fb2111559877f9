import FeatureStoreKit
import Foundation
import Hummingbird

/// An error a client sees: an HTTP status and `{"error": {"code": ..., "message": ...}}`.
///
/// Every client mistake maps to a 4xx here; only failures of the stores give a 5xx.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable code, e.g. `invalid_argument`, `not_found`, `payload_too_large`.
    public var code: String
    public var message: String

    public init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The HTTP face of a ``FeatureStoreError``.
    public init(_ error: FeatureStoreError) {
        let status: HTTPResponse.Status
        switch error.code {
        case .invalidArgument, .invalidInput, .invalidDefinitions: status = .badRequest
        case .notFound: status = .notFound
        case .conflict, .breakingChange: status = .conflict
        case .locked: status = .init(code: 423, reasonPhrase: "Locked")
        default: status = .internalServerError
        }
        self.init(status: status, code: error.code.description, message: error.description)
    }

    /// Wraps any error: API errors pass through, store errors are mapped, anything else is a 500.
    public init(wrapping error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as FeatureStoreError: self.init(error)
        default: self.init(status: .internalServerError, code: "internal", message: "internal error: \(error)")
        }
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: FeatureStoreError.Code.invalidArgument.description, message: message)
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body of the error.
    public var body: [UInt8] {
        var out = Array(#"{"error":{"code":"#.utf8)
        FeastJSON.appendString(code, to: &out)
        out += Array(#","message":"#.utf8)
        FeastJSON.appendString(message, to: &out)
        out += Array("}}".utf8)
        return out
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(body, status: status)
    }
}
