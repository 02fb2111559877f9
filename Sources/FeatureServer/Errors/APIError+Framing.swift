import Hummingbird
import NIOHTTP1
import NIOHTTPTypesHTTP1

extension APIError {
    /// The answer to an error of the HTTP decoder: the request is not valid HTTP/1.1 (a bad request
    /// line, header or chunked body). `nil` for anything else, including a client that closed in
    /// the middle of its request (there is nobody to answer).
    init?(framingError error: any Error) {
        let detail: String
        var status = HTTPResponse.Status.badRequest
        switch error {
        case let parser as HTTPParserError:
            switch parser {
            case .invalidEOFState, .closedConnection:
                return nil
            case .invalidChunkSize:
                detail =
                    "its chunked body has a malformed chunk size; each chunk starts with its size in hex digits and CRLF"
            case .invalidConstant, .lfExpected, .strictModeAssertion:
                detail =
                    "a line ends without CRLF where HTTP requires one (after a chunk's data, a header or a trailer)"
            case .headerOverflow:
                status = .init(code: 431, reasonPhrase: "Request Header Fields Too Large")
                detail = "its headers are larger than the server accepts (80 KiB)"
            case .invalidMethod:
                detail = "its method is not an HTTP method"
            case .invalidURL:
                detail = "its request target is not a path"
            case .invalidVersion:
                detail = "its HTTP version is not HTTP/1.0 or HTTP/1.1"
            case .invalidHeaderToken, .invalidCharactersUsed:
                detail = "a header name or value holds characters HTTP does not allow"
            case .invalidContentLength, .unexpectedContentLength:
                detail = "its Content-Length is not a number, is given twice, or comes with chunked encoding"
            default:
                detail = "it breaks HTTP/1.1 framing (\(parser))"
            }
        case let conversion as HTTP1TypeConversionError:
            detail =
                conversion == .invalidMethod ? "its method is not an HTTP method" : "its request line is incomplete"
        default:
            return nil
        }
        self.init(
            status: status, code: "malformed_request",
            message: "the request is not valid HTTP/1.1: \(detail); the connection is closed")
    }
}
