import NIOCore
import NIOHTTP1
import PalisadeSystem

/// A whole HTTP request, read into memory.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    public var trailers: HTTPHeaders?

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        self.body = body
    }

    public init(head: HTTPRequestHead, body: [UInt8], trailers: HTTPHeaders? = nil) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }
}

/// A whole HTTP response, read into memory.
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        self.body = body
    }

    public init(head: HTTPResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    /// A JSON answer with its length set, as the Lambda APIs send.
    public static func json(_ status: HTTPResponseStatus, _ body: [UInt8], headers: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

/// Why an HTTP exchange failed.
public typealias HTTPExchangeError = CodedError<HTTPExchangeErrorCode>

public enum HTTPExchangeErrorCode: String, Sendable {
    case badAddress = "http.bad_address"
    case connectionClosed = "http.connection_closed"
    case unexpectedPart = "http.unexpected_part"
    case bodyTooLarge = "http.body_too_large"
    case malformed = "http.malformed"
    case socket = "http.socket"
}

/// `host:port` as in `AWS_LAMBDA_RUNTIME_API`.
public struct LoopbackAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(_ text: String) throws(HTTPExchangeError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw HTTPExchangeError(.badAddress, "expected host:port, got \"\(text)\"")
        }
        self.host = String(text[..<colon])
        self.port = port
    }

    public var description: String { "\(host):\(port)" }

    /// The address itself when `host` is an IP literal (as AWS_LAMBDA_RUNTIME_API always is): NIO
    /// then connects without a name lookup and without Happy Eyeballs' timers.
    public var literal: SocketAddress? { try? SocketAddress(ipAddress: host, port: port) }
}

extension HTTPHeaders {
    /// Sets the length for a body the sender knows in full, replacing any chunked framing.
    public mutating func setContentLength(_ count: Int) {
        remove(name: "Transfer-Encoding")
        replaceOrAdd(name: "Content-Length", value: String(count))
    }
}
