import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection to a loopback server, one request at a time: whole
/// requests for the simple calls, part by part for passing a stream through.
public final class HTTPClientConnection {
    var responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    let requests: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    public let address: LoopbackAddress

    init(address: LoopbackAddress, responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, requests: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>) {
        self.address = address
        self.responses = responses.makeAsyncIterator()
        self.requests = requests
    }

    /// Connects, runs `body`, and closes the connection whatever happens.
    public static func with<Result: Sendable>(
        _ address: LoopbackAddress,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (HTTPClientConnection) async throws -> Result
    ) async throws -> Result {
        let bootstrap = ClientBootstrap(group: group).channelOption(.socketOption(.tcp_nodelay), value: 1)
        let initializer = { @Sendable (channel: any Channel) in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
            }
        }
        let channel = if let literal = address.literal {
            try await bootstrap.connect(to: literal, channelInitializer: initializer)
        } else {
            try await bootstrap.connect(host: address.host, port: address.port, channelInitializer: initializer)
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(HTTPClientConnection(address: address, responses: inbound, requests: outbound))
        }
    }

    /// Sends a whole request and reads the whole response, refusing bodies above `limit` bytes.
    public func send(_ request: HTTPRequest, limit: Int = 16 << 20) async throws -> HTTPResponse {
        var head = request.head
        head.headers.setContentLength(request.body.count)
        if !head.headers.contains(name: "Host") { head.headers.add(name: "Host", value: address.description) }
        try await requests.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: request.body))), .end(nil)])
        return try await readResponse(limit: limit)
    }

    public func write(_ part: HTTPClientRequestPart) async throws {
        try await requests.write(part)
    }

    /// The next part of the current response; throws when the server closed the connection.
    public func nextPart() async throws -> HTTPClientResponsePart {
        guard let part = try await responses.next() else {
            throw HTTPExchangeError(.connectionClosed, "\(address) closed the connection")
        }
        return part
    }

    public func readResponse(limit: Int = 16 << 20) async throws -> HTTPResponse {
        guard case .head(let head) = try await nextPart() else {
            throw HTTPExchangeError(.unexpectedPart, "response did not start with a head")
        }
        var body: [UInt8] = []
        while true {
            switch try await nextPart() {
            case .head: throw HTTPExchangeError(.unexpectedPart, "second head inside one response")
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= limit else {
                    throw HTTPExchangeError(.bodyTooLarge, "response body over \(limit) bytes")
                }
                body.append(contentsOf: buffer.readableBytesView)
            case .end: return HTTPResponse(head: head, body: body)
            }
        }
    }
}
