import FeatureStoreKit
import Foundation
import HTTPTypes
import Hummingbird

/// An error a client sees: an HTTP status and
/// `{"error": {"code": ..., "message": ..., "request_id": ...}}`.
///
/// Every client mistake maps to a 4xx here; only failures of the server or its stores give a 5xx,
/// and a 500 never shows its cause (file paths, SQL, error text): its message names the request
/// id, under which the server log has the details.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable code, e.g. `invalid_argument`, `not_found`, `payload_too_large`.
    public var code: String
    public var message: String
    /// Extra response headers (`WWW-Authenticate` on a 401, `Connection: close` after a framing error).
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// The HTTP face of a ``FeatureStoreError``.
    public init(_ error: FeatureStoreError) {
        let status: HTTPResponse.Status
        switch error.code {
        case .invalidArgument, .invalidInput, .invalidDefinitions: status = .badRequest
        case .notFound: status = .notFound
        case .conflict, .breakingChange: status = .conflict
        case .locked: status = .init(code: 423, reasonPhrase: "Locked")
        case .unavailable: status = .serviceUnavailable
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

    /// What the client is told: the message, or for a 500 only that it failed and under which
    /// request id the log has the details.
    public func publicMessage(requestID: String) -> String {
        guard status == .internalServerError else { return message }
        return
            "the server failed to answer this request (\(status.reasonPhrase.lowercased())); its log has the details under request id \(requestID)"
    }

    /// The JSON body of the error, as the client sees it.
    public func body(requestID: String) -> [UInt8] {
        var out = Array(#"{"error":{"code":"#.utf8)
        JSONString.append(code, to: &out)
        out += Array(#","message":"#.utf8)
        JSONString.append(publicMessage(requestID: requestID), to: &out)
        out += Array(#","request_id":"#.utf8)
        JSONString.append(requestID, to: &out)
        out += Array("}}".utf8)
        return out
    }

    /// The answer: the JSON body, the extra headers and the request id header.
    func response(requestID: String) -> Response {
        var response = Response.json(body(requestID: requestID), status: status)
        for field in headers { response.headers.append(field) }
        response.headers[.requestID] = requestID
        return response
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: RequestScope.current?.requestID ?? RequestScope.newID())
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`: the caller's request id, or one the server made; on every answer.
    static let requestID = HTTPField.Name("X-Request-ID")!
}
