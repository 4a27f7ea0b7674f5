import PalisadeConsoleProtocol
import PalisadeJSON

/// The agent's credentials and the console's address, from `PALISADE_CONSOLE_URL`, `PALISADE_KEY`
/// and `PALISADE_SECRET`.
public struct ConsoleCredentials: Sendable {
    public var endpoint: HTTPEndpoint
    public var key: String
    public var secret: String

    public init(endpoint: HTTPEndpoint, key: String, secret: String) {
        self.endpoint = endpoint
        self.key = key
        self.secret = secret
    }

    /// `nil` when no console is configured (the agent then only logs); an error when half-configured.
    public init?(environment: [String: String]) throws(ConsoleClientError) {
        let url = environment["PALISADE_CONSOLE_URL"], key = environment["PALISADE_KEY"], secret = environment["PALISADE_SECRET"]
        if url == nil, key == nil, secret == nil { return nil }
        guard let url, let key, let secret, !key.isEmpty, !secret.isEmpty else {
            throw .invalidURL("PALISADE_CONSOLE_URL, PALISADE_KEY and PALISADE_SECRET must be set together")
        }
        self.init(endpoint: try HTTPEndpoint(url: url), key: key, secret: secret)
    }
}

/// Signs and sends agent requests to the console (docs/console-protocol.md).
public struct ConsoleClient: Sendable {
    public let credentials: ConsoleCredentials
    public var timeout: Duration
    /// Unix seconds; replaceable so tests can sign with a skewed clock.
    public var clock: @Sendable () -> Int64

    public init(credentials: ConsoleCredentials, timeout: Duration = .seconds(10), clock: @escaping @Sendable () -> Int64 = ConsoleClient.unixSeconds) {
        self.credentials = credentials
        self.timeout = timeout
        self.clock = clock
    }

    /// The four signing headers for one request.
    public func signatureHeaders(method: String, path: String, body: [UInt8]) -> [(String, String)] {
        let timestamp = clock()
        let nonce = Self.nonce()
        let signature = RequestSigning.signature(secret: credentials.secret, method: method, path: path, timestamp: timestamp, nonce: nonce, body: body)
        return [
            (RequestSigning.keyHeader, credentials.key), (RequestSigning.timestampHeader, String(timestamp)),
            (RequestSigning.nonceHeader, nonce), (RequestSigning.signatureHeader, signature),
        ]
    }

    /// Sends a signed request; a non-2xx/304 answer becomes ``ConsoleClientError/refused(status:code:message:)``.
    public func send(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws(ConsoleClientError) -> HTTPReply {
        let signed = signatureHeaders(method: method, path: credentials.endpoint.pathPrefix + path, body: body)
        let reply = try await HTTPExchange.send(to: credentials.endpoint, method: method, path: path, headers: signed + headers, body: body, timeout: timeout)
        guard (200..<300).contains(reply.status) || reply.status == 304 else {
            let error = try? JSONDocument(bytes: reply.body).root["error"]
            throw .refused(status: reply.status, code: error?["code"]?.string, message: error?["message"]?.string ?? String(decoding: reply.body.prefix(200), as: UTF8.self))
        }
        return reply
    }

    private static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public static let unixSeconds: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
