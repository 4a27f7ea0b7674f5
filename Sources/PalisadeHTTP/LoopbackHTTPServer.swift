import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 keep-alive server on a loopback address; each connection is served by its own task.
public final class LoopbackHTTPServer: Sendable {
    public let address: LoopbackAddress
    let channel: any Channel
    let acceptLoop: Task<Void, Never>

    /// Binds (port 0 picks a free one) and starts accepting; `serve` runs once per connection.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        serve: @escaping @Sendable (HTTPServerConnection) async -> Void
    ) async throws -> LoopbackHTTPServer {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = server.channel.localAddress?.port ?? port
        let acceptLoop = Task {
            _ = try? await server.executeThenClose { connections in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in connections {
                            group.addTask {
                                try? await connection.executeThenClose { inbound, outbound in
                                    await serve(HTTPServerConnection(requests: inbound, responses: outbound, channel: connection.channel))
                                }
                            }
                        }
                    } catch {
                        // The listening socket closed: stop accepting, let open connections finish.
                    }
                }
            }
        }
        return LoopbackHTTPServer(address: LoopbackAddress(host: host, port: boundPort), channel: server.channel, acceptLoop: acceptLoop)
    }

    init(address: LoopbackAddress, channel: any Channel, acceptLoop: Task<Void, Never>) {
        self.address = address
        self.channel = channel
        self.acceptLoop = acceptLoop
    }

    /// Stops accepting new connections.
    public func close() async {
        try? await channel.close()
    }
}

/// The server side of one connection: requests in, responses out.
public final class HTTPServerConnection {
    var requests: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
    let responses: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    let channel: any Channel

    init(requests: NIOAsyncChannelInboundStream<HTTPServerRequestPart>, responses: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) {
        self.requests = requests.makeAsyncIterator()
        self.responses = responses
        self.channel = channel
    }

    public var isActive: Bool { channel.isActive }

    /// A probe that tells, from any task, whether the client is still connected.
    public var connectionProbe: @Sendable () -> Bool {
        let channel = self.channel
        return { channel.isActive }
    }

    /// The next part from the client, or `nil` when it closed the connection.
    public func nextPart() async throws -> HTTPServerRequestPart? {
        try await requests.next()
    }

    /// The next request's head; body parts left over from an unread request are skipped.
    public func nextHead() async throws -> HTTPRequestHead? {
        while let part = try await requests.next() {
            if case .head(let head) = part { return head }
        }
        return nil
    }

    /// Reads the current request's body and trailers, refusing more than `limit` bytes.
    public func readBody(limit: Int = 16 << 20) async throws -> (body: [UInt8], trailers: HTTPHeaders?) {
        var body: [UInt8] = []
        while let part = try await requests.next() {
            switch part {
            case .head: throw HTTPExchangeError(.unexpectedPart, "second head inside one request")
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= limit else {
                    throw HTTPExchangeError(.bodyTooLarge, "request body over \(limit) bytes")
                }
                body.append(contentsOf: buffer.readableBytesView)
            case .end(let trailers): return (body, trailers)
            }
        }
        throw HTTPExchangeError(.connectionClosed, "client closed the connection inside a request")
    }

    public func send(_ response: HTTPResponse) async throws {
        var head = response.head
        head.headers.setContentLength(response.body.count)
        try await responses.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: response.body))), .end(nil)])
    }

    public func write(_ part: HTTPServerResponsePart) async throws {
        try await responses.write(part)
    }
}
