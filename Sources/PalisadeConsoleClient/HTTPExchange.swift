import NIOCore
import NIOHTTP1
import NIOPosix

/// Why a request to the console (or a webhook) got no answer.
public enum ConsoleClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case unreachable(String)
    case timedOut
    /// The console answered with an error status; `code` is its `error.code` when it sent one.
    case refused(status: Int, code: String?, message: String)
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid console URL: \(reason)"
        case .unreachable(let reason): "console unreachable: \(reason)"
        case .timedOut: "console did not answer in time"
        case .refused(let status, let code, let message): "console refused the request (\(status) \(code ?? "")): \(message)"
        case .malformedResponse(let reason): "unexpected console response: \(reason)"
        }
    }

    /// Worth sending again later: the network or the console's storage, not the request itself.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut: true
        case .refused(let status, _, _): status >= 500 || status == 429
        case .invalidURL, .malformedResponse: false
        }
    }
}

/// `http://HOST:PORT[/PREFIX]`; TLS is not spoken here (put the console behind a TLS proxy, see the docs).
public struct HTTPEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Path prefix in front of every request path, without a trailing slash (often empty).
    public var pathPrefix: String

    public init(url: String) throws(ConsoleClientError) {
        guard url.hasPrefix("http://") else { throw .invalidURL("\(url) must start with http://") }
        var rest = Substring(url.dropFirst("http://".count))
        var prefix = ""
        if let slash = rest.firstIndex(of: "/") {
            prefix = String(rest[slash...])
            rest = rest[..<slash]
        }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if let colon = rest.lastIndex(of: ":") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw .invalidURL("the port in \(url) must be a number from 1 to 65535")
            }
            host = String(rest[..<colon])
            port = number
        } else {
            host = String(rest)
            port = 80
        }
        guard !host.isEmpty else { throw .invalidURL("\(url) has no host") }
        pathPrefix = prefix
    }
}

/// One HTTP/1.1 response, read whole.
public struct HTTPReply: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A small HTTP/1.1 client on SwiftNIO: one connection per request, a deadline, no Foundation.
public enum HTTPExchange {
    public static func send(
        to endpoint: HTTPEndpoint, method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) async throws(ConsoleClientError) -> HTTPReply {
        do {
            return try await withThrowingTaskGroup(of: HTTPReply?.self) { group in
                group.addTask { try await exchange(endpoint, method, path, headers, body) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let reply = first else { throw ConsoleClientError.timedOut }
                return reply
            }
        } catch let error as ConsoleClientError {
            throw error
        } catch {
            throw .unreachable("\(endpoint.host):\(endpoint.port): \(error)")
        }
    }

    private static func exchange(_ endpoint: HTTPEndpoint, _ method: String, _ path: String, _ headers: [(String, String)], _ body: [UInt8]) async throws -> HTTPReply {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withTaskCancellationHandler {
            try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: endpoint.pathPrefix + path)
                head.headers.add(name: "Host", value: "\(endpoint.host):\(endpoint.port)")
                head.headers.add(name: "Content-Length", value: String(body.count))
                head.headers.add(name: "Connection", value: "close")
                for (name, value) in headers { head.headers.add(name: name, value: value) }
                try await outbound.write(.head(head))
                if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                try await outbound.write(.end(nil))
                var reply = HTTPReply(status: 0, headers: [], body: [])
                for try await part in inbound {
                    switch part {
                    case .head(let responseHead):
                        reply.status = Int(responseHead.status.code)
                        reply.headers = responseHead.headers.map { ($0.name, $0.value) }
                    case .body(let buffer):
                        reply.body += buffer.readableBytesView
                    case .end:
                        return reply
                    }
                }
                throw ConsoleClientError.malformedResponse("the connection closed before the response ended")
            }
        } onCancel: {
            channel.channel.close(promise: nil)
        }
    }
}
