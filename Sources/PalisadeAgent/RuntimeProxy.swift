import NIOCore
import NIOHTTP1
import NIOPosix
import PalisadeDetect
import PalisadeHTTP
import PalisadeJSON
import PalisadePolicy
import PalisadeSystem
import Synchronization

/// The Runtime API as the function's runtime sees it: every route and header passes through to the
/// real API, except that events are inspected before `next` answers and responses are checked before
/// they are posted. Each runtime connection gets its own upstream connection on the same event loop,
/// and all of it runs as channel handlers: no thread switch on the way of an invocation.
public final class RuntimeProxy: Sendable {
    static let runtimePrefix = "/2018-06-01/runtime/invocation/"
    /// Larger than any Lambda payload (6 MB synchronous, 20 MB streamed responses are not buffered).
    static let maxBufferedBody = 16 << 20

    let upstream: LoopbackAddress
    /// The rule pack compiles on the thread pool while the runtime starts; the first event waits for it.
    let detector: DetectorBuild
    /// Replaced whole when the console sends a new policy.
    let guards: Mutex<PolicyGuards>
    let reporter: Reporter
    let functionName: String
    /// Invocations handed to the function since the console was last told (its "total executions").
    let invocationCount = Atomic<Int>(0)
    let completions = InvocationCompletions()
    /// The detector once compiled, so that events after the first need no future.
    let readyDetector = Mutex<Detector?>(nil)
    /// Facts of invocations handed to the function, until their response or error is posted.
    let invocations = Mutex<[String: InvocationFacts]>([:])
    /// The invocation in progress, for the behaviour guard.
    let context: InvocationContext

    init(upstream: LoopbackAddress, detector: DetectorBuild, guards: PolicyGuards, reporter: Reporter, functionName: String, context: InvocationContext = InvocationContext()) {
        self.context = context
        self.upstream = upstream
        self.detector = detector
        self.guards = Mutex(guards)
        self.reporter = reporter
        self.functionName = functionName
    }

    var currentGuards: PolicyGuards { guards.withLock { $0 } }

    /// Applies a policy from the console to the invocations that start from now on. A policy that
    /// looks for categories the compiled detector leaves out gets a detector compiled for it.
    func apply(_ policy: EffectivePolicy, configuration: AgentConfiguration) {
        guards.withLock { $0 = PolicyGuards(policy: policy, configuration: configuration, previous: $0) }
        guard let current = readyDetector.withLock({ $0 }), !policy.activeCategories.isSubset(of: current.options.categories) else { return }
        let widened = Detector(options: Agent.detectorOptions(for: policy))
        readyDetector.withLock { $0 = widened }
    }

    /// Listens on loopback (port 0 picks a free one); returns the listening channel.
    public func start(port: Int, group: any EventLoopGroup) async throws -> any Channel {
        detector.future.whenSuccess { detector in self.readyDetector.withLock { $0 = detector } }
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // No pipelining assistance: a runtime sends one request at a time, and the
                    // assistant's pause of reading until each answer cost two epoll_ctl per request.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ProxyConnectionHandler(proxy: self))
                }
            }
            .bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: port))
            .get()
    }

    /// The routes the proxy looks into; everything else is relayed part by part.
    enum Route {
        case next
        case response(requestID: String)
        case streamedResponse(requestID: String)
        case error(requestID: String)
        case other

        /// Read on the URI's UTF-8 bytes: every request of every invocation passes here.
        init(_ head: HTTPRequestHead) {
            let uri = head.uri.utf8
            let path = uri[..<(uri.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex)]
            let prefix = RuntimeProxy.runtimePrefix.utf8
            guard path.starts(with: prefix) else {
                self = .other
                return
            }
            let segments = path.dropFirst(prefix.count).split(separator: UInt8(ascii: "/"))
            func requestID() -> String { String(head.uri[segments[0].startIndex..<segments[0].endIndex]) }
            func last(is name: String) -> Bool { segments.last?.elementsEqual(name.utf8) == true }
            switch (head.method, segments.count) {
            case (.GET, 1) where last(is: "next"): self = .next
            case (.POST, 2) where last(is: "response"):
                let streaming = head.headers["Lambda-Runtime-Function-Response-Mode"].first?.lowercased() == "streaming"
                self = streaming ? .streamedResponse(requestID: requestID()) : .response(requestID: requestID())
            case (.POST, 2) where last(is: "error"): self = .error(requestID: requestID())
            default: self = .other
            }
        }
    }

    /// Inspects one event; anything the detector cannot read reaches the function untouched, and
    /// without a detector (every protection off) the event is not read at all.
    func inspect(_ event: [UInt8], requestID: String, detector: Detector?) -> InvocationDecision {
        guard let detector else { return passUnread(event, requestID: requestID) }
        let verdict: Verdict
        let document: JSONDocument
        do {
            (verdict, document) = try detector.inspectDocument(event: event)
        } catch {
            reporter.log("warn", "request \(requestID): event not inspected (\(error.code.rawValue)); passed to the function")
            return passUnread(event, requestID: requestID)
        }
        let facts = InvocationFacts(requestID: requestID, function: functionName, verdict: verdict, event: document)
        invocations.withLock { $0[requestID] = facts }
        invocationCount.add(1, ordering: .relaxed)
        context.begin(facts, event: event, detector: detector)
        let decision = currentGuards.invocationGuard.decide(verdict, event: event, facts: facts)
        reporter.record(decision.events)
        return decision
    }

    /// Hands an event over as it is, with facts that know no trigger or caller.
    func passUnread(_ event: [UInt8], requestID: String) -> InvocationDecision {
        let facts = InvocationFacts(requestID: requestID, function: functionName, trigger: .direct)
        invocations.withLock { $0[requestID] = facts }
        invocationCount.add(1, ordering: .relaxed)
        context.begin(facts, event: event, detector: nil)
        return InvocationDecision(action: .pass, events: [])
    }

    func finish(_ requestID: String) -> InvocationFacts? {
        defer { completions.finish(requestID) }
        context.end(requestID)
        return invocations.withLock { $0.removeValue(forKey: requestID) }
    }

    /// The request that replaces a guarded response: the same, a replacement body, or an error.
    func guardedResponse(_ head: HTTPRequestHead, requestID: String, body: [UInt8]) -> (HTTPRequestHead, [UInt8]) {
        let facts = finish(requestID) ?? InvocationFacts(requestID: requestID, function: functionName, trigger: .direct)
        let decision = currentGuards.responseGuard.inspect(body, facts: facts)
        reporter.record(decision.events)
        var head = head
        switch decision.action {
        case .pass:
            return (head, body)
        case .replace(let replacement):
            return (head, replacement)
        case .fail(let type, let errorBody):
            head.uri = RuntimeProxy.runtimePrefix + requestID + "/error"
            head.headers.replaceOrAdd(name: "Lambda-Runtime-Function-Error-Type", value: type)
            return (head, errorBody)
        }
    }

    /// Masks secrets in one chunk of a streamed response when the policy says mitigate; records the
    /// first leak of the stream once.
    func guardChunk(_ chunk: ByteBuffer, facts: InvocationFacts, alreadyReported: inout Bool) -> ByteBuffer {
        let responseGuard = currentGuards.responseGuard
        let mode = responseGuard.policy.mode(for: .credentialLeak)
        guard mode != .off else { return chunk }
        var bytes = Array(chunk.readableBytesView)
        guard let secret = responseGuard.redact(&bytes) else { return chunk }
        if !alreadyReported {
            alreadyReported = true
            reporter.record([responseGuard.event(.credentialLeak, rule: "secret.\(secret)", message: "a secret of the function in its streamed response", location: "response", evidence: "value of \(secret)", mode: mode, facts: facts, incident: RandomID.incident())])
        }
        return mode == .mitigate ? ByteBuffer(bytes: bytes) : chunk
    }
}

/// One runtime connection and its upstream twin. Two small state machines: what the runtime's
/// current request is doing, and what the upstream's current answer is for.
final class ProxyConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The runtime's request in progress.
    enum RuntimeRequest {
        case none
        /// `next`: its (empty) body is skipped; the event is fetched at its end.
        case next(HTTPRequestHead)
        /// A whole response, read before the response guard sees it.
        case bufferedResponse(HTTPRequestHead, requestID: String, body: [UInt8])
        /// Relayed part by part; chunks of a streamed response are guarded when `facts` is set.
        case streamed(facts: InvocationFacts?, leakReported: Bool)
    }

    /// What the upstream's answer in progress is for.
    enum UpstreamAnswer {
        /// Passed to the runtime part by part.
        case relay
        /// An event for the runtime's `next`: collected, inspected, then handed over or blocked.
        case event(next: HTTPRequestHead, head: HTTPResponseHead?, body: [UInt8])
        /// The acknowledgement of an answer the agent posted for a blocked event; then `next` again.
        case verdictPosted(next: HTTPRequestHead)
    }

    let proxy: RuntimeProxy
    var runtimeRequest = RuntimeRequest.none
    var upstreamAnswer = UpstreamAnswer.relay
    var upstream: (any Channel)?
    /// Parts written before the upstream connection is up.
    var pendingUpstream: [HTTPClientRequestPart] = []
    var context: ChannelHandlerContext?

    init(proxy: RuntimeProxy) {
        self.proxy = proxy
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let bootstrap = ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(owner: bound))
                }
            }
        let connected = proxy.upstream.literal.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: proxy.upstream.host, port: proxy.upstream.port)
        connected.whenComplete { result in
            let handler = bound.value
            switch result {
            case .success(let channel):
                handler.upstream = channel
                for part in handler.pendingUpstream { channel.write(part, promise: nil) }
                handler.pendingUpstream.removeAll()
                channel.flush()
            case .failure(let error):
                handler.proxy.reporter.log("error", "runtime API unreachable at \(handler.proxy.upstream): \(error)")
                handler.context?.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close(promise: nil)
        context.fireChannelInactive()
    }

    // MARK: Runtime → upstream

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), runtimeRequest) {
        case (.head(let head), _):
            begin(head)
        case (.body, .next), (.body, .none):
            break
        case (.body(let chunk), .bufferedResponse(let head, let requestID, var body)):
            guard body.count + chunk.readableBytes <= RuntimeProxy.maxBufferedBody else { return abort("response over \(RuntimeProxy.maxBufferedBody) bytes") }
            body.append(contentsOf: chunk.readableBytesView)
            runtimeRequest = .bufferedResponse(head, requestID: requestID, body: body)
        case (.body(let chunk), .streamed(let facts, var leakReported)):
            let guarded = facts.map { proxy.guardChunk(chunk, facts: $0, alreadyReported: &leakReported) } ?? chunk
            runtimeRequest = .streamed(facts: facts, leakReported: leakReported)
            sendUpstream(.body(.byteBuffer(guarded)), flush: true)
        case (.end, .next(let head)):
            runtimeRequest = .none
            askForEvent(head)
        case (.end(let trailers), .bufferedResponse(let head, let requestID, let body)):
            runtimeRequest = .none
            let (guardedHead, guardedBody) = proxy.guardedResponse(head, requestID: requestID, body: body)
            upstreamAnswer = .relay
            sendUpstream(guardedHead, body: guardedBody, trailers: trailers)
        case (.end(let trailers), .streamed):
            runtimeRequest = .none
            sendUpstream(.end(trailers), flush: true)
        case (.end, .none):
            break
        }
    }

    func begin(_ head: HTTPRequestHead) {
        switch RuntimeProxy.Route(head) {
        case .next:
            runtimeRequest = .next(head)
        case .response(let requestID):
            runtimeRequest = .bufferedResponse(head, requestID: requestID, body: [])
        case .streamedResponse(let requestID):
            startStream(head, facts: proxy.finish(requestID))
        case .error(let requestID):
            _ = proxy.finish(requestID)
            startStream(head, facts: nil)
        case .other:
            startStream(head, facts: nil)
        }
    }

    func startStream(_ head: HTTPRequestHead, facts: InvocationFacts?) {
        runtimeRequest = .streamed(facts: facts, leakReported: false)
        upstreamAnswer = .relay
        sendUpstream(.head(head), flush: true)
    }

    func askForEvent(_ next: HTTPRequestHead) {
        upstreamAnswer = .event(next: next, head: nil, body: [])
        sendUpstream(next, body: [], trailers: nil)
    }

    // MARK: Upstream → runtime

    func upstreamRead(_ part: HTTPClientResponsePart) {
        switch (part, upstreamAnswer) {
        case (.head(let head), .relay):
            context?.write(wrapOutboundOut(.head(head)), promise: nil)
        case (.body(let chunk), .relay):
            context?.write(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
        case (.end(let trailers), .relay):
            context?.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
        case (.head(let head), .event(let next, _, let body)):
            upstreamAnswer = .event(next: next, head: head, body: body)
        case (.body(let chunk), .event(let next, let head, var body)):
            guard body.count + chunk.readableBytes <= RuntimeProxy.maxBufferedBody else { return abort("event over \(RuntimeProxy.maxBufferedBody) bytes") }
            body.append(contentsOf: chunk.readableBytesView)
            upstreamAnswer = .event(next: next, head: head, body: body)
        case (.end, .event(let next, let head?, let body)):
            upstreamAnswer = .relay
            deliver(HTTPResponse(head: head, body: body), for: next)
        case (.end, .event):
            abort("upstream answer without a head")
        case (.head, .verdictPosted), (.body, .verdictPosted):
            break
        case (.end, .verdictPosted(let next)):
            askForEvent(next)
        }
    }

    /// Hands an event to the runtime, or answers it here and asks for the next one.
    func deliver(_ response: HTTPResponse, for next: HTTPRequestHead) {
        guard response.head.status == .ok, let requestID = response.head.headers["Lambda-Runtime-Aws-Request-Id"].first else {
            return answerRuntime(response)
        }
        guard proxy.currentGuards.readsEvents else { return decide(response, for: next, requestID: requestID, detector: nil) }
        if let detector = proxy.readyDetector.withLock({ $0 }) {
            return decide(response, for: next, requestID: requestID, detector: detector)
        }
        // The first event may arrive before the rule pack is compiled: continue once it is.
        guard let eventLoop = context?.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        proxy.detector.hurry()
        proxy.detector.future.hop(to: eventLoop).whenSuccess { detector in
            bound.value.decide(response, for: next, requestID: requestID, detector: detector)
        }
    }

    func decide(_ response: HTTPResponse, for next: HTTPRequestHead, requestID: String, detector: Detector?) {
        var response = response
        let decision = proxy.inspect(response.body, requestID: requestID, detector: detector)
        switch decision.action {
        case .pass:
            break
        case .forward(let event):
            response.body = event
        case .answer(let body):
            _ = proxy.finish(requestID)
            return postVerdict(body, to: RuntimeProxy.runtimePrefix + requestID + "/response", errorType: nil, next: next)
        case .fail(let type, let body):
            _ = proxy.finish(requestID)
            return postVerdict(body, to: RuntimeProxy.runtimePrefix + requestID + "/error", errorType: type, next: next)
        }
        if let removed = proxy.currentGuards.cleaner?.clean(), !removed.isEmpty {
            proxy.reporter.log("info", "tmp cleanup removed \(removed.count) path(s) left by earlier invocations")
        }
        answerRuntime(response)
    }

    func postVerdict(_ body: [UInt8], to uri: String, errorType: String?, next: HTTPRequestHead) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if let errorType { headers.add(name: "Lambda-Runtime-Function-Error-Type", value: errorType) }
        upstreamAnswer = .verdictPosted(next: next)
        sendUpstream(HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers), body: body, trailers: nil)
    }

    func answerRuntime(_ response: HTTPResponse) {
        var head = response.head
        head.headers.setContentLength(response.body.count)
        context?.write(wrapOutboundOut(.head(head)), promise: nil)
        context?.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        context?.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    // MARK: Plumbing

    func sendUpstream(_ head: HTTPRequestHead, body: [UInt8], trailers: HTTPHeaders?) {
        var head = head
        head.headers.setContentLength(body.count)
        sendUpstream(.head(head), flush: false)
        if !body.isEmpty { sendUpstream(.body(.byteBuffer(ByteBuffer(bytes: body))), flush: false) }
        sendUpstream(.end(nil), flush: true)
    }

    func sendUpstream(_ part: HTTPClientRequestPart, flush: Bool) {
        guard let upstream else {
            pendingUpstream.append(part)
            return
        }
        upstream.write(part, promise: nil)
        if flush { upstream.flush() }
    }

    func upstreamClosed() {
        context?.close(promise: nil)
    }

    func abort(_ reason: String) {
        proxy.reporter.log("warn", "runtime connection closed: \(reason)")
        upstream?.close(promise: nil)
        context?.close(promise: nil)
    }
}

/// The upstream side of a runtime connection: hands every answer part to its owner.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    let owner: NIOLoopBound<ProxyConnectionHandler>

    init(owner: NIOLoopBound<ProxyConnectionHandler>) {
        self.owner = owner
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner.value.upstreamRead(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        owner.value.upstreamClosed()
        context.fireChannelInactive()
    }
}
