import NIOCore
import NIOHTTP1
import PalisadeDetect
import PalisadeHTTP
import PalisadeJSON
import PalisadeSystem
import Synchronization

/// The Runtime API as the function's runtime sees it: every route and header passes through to the
/// real API, except that events are inspected before `next` answers and responses are checked before
/// they are posted. Each runtime connection gets its own upstream connection, so order is kept.
public final class RuntimeProxy: Sendable {
    static let runtimePrefix = "/2018-06-01/runtime/invocation/"

    let upstream: LoopbackAddress
    /// Compiling the rule pack takes a while: it runs while the runtime starts, and the first event waits for it.
    let detector: Task<Detector, Never>
    let invocationGuard: InvocationGuard
    let responseGuard: ResponseGuard
    let reporter: Reporter
    let cleaner: TmpCleaner?
    let functionName: String
    /// Facts of invocations handed to the function, until their response or error is posted.
    let invocations = Mutex<[String: InvocationFacts]>([:])

    public init(upstream: LoopbackAddress, detector: Task<Detector, Never>, invocationGuard: InvocationGuard, responseGuard: ResponseGuard, reporter: Reporter, cleaner: TmpCleaner?, functionName: String) {
        self.upstream = upstream
        self.detector = detector
        self.invocationGuard = invocationGuard
        self.responseGuard = responseGuard
        self.reporter = reporter
        self.cleaner = cleaner
        self.functionName = functionName
    }

    /// The routes the proxy looks into; everything else is relayed part by part.
    enum Route {
        case next
        case response(requestID: String)
        case streamedResponse(requestID: String)
        case error(requestID: String)
        case other

        init(_ head: HTTPRequestHead) {
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            guard path.hasPrefix(RuntimeProxy.runtimePrefix) else {
                self = .other
                return
            }
            let segments = path.dropFirst(RuntimeProxy.runtimePrefix.count).split(separator: "/").map(String.init)
            switch (head.method, segments.count, segments.last) {
            case (.GET, 1, "next"): self = .next
            case (.POST, 2, "response"):
                let streaming = head.headers["Lambda-Runtime-Function-Response-Mode"].first?.lowercased() == "streaming"
                self = streaming ? .streamedResponse(requestID: segments[0]) : .response(requestID: segments[0])
            case (.POST, 2, "error"): self = .error(requestID: segments[0])
            default: self = .other
            }
        }
    }

    public func serve(_ downstream: HTTPServerConnection) async {
        do {
            try await HTTPClientConnection.with(upstream) { upstream in
                while let head = try await downstream.nextHead() {
                    switch Route(head) {
                    case .next:
                        try await relayNext(head, downstream: downstream, upstream: upstream)
                    case .response(let requestID):
                        try await relayResponse(head, requestID: requestID, downstream: downstream, upstream: upstream)
                    case .streamedResponse(let requestID):
                        let facts = finish(requestID)
                        try await relayStream(head, downstream: downstream, upstream: upstream, guarding: facts)
                    case .error(let requestID):
                        _ = finish(requestID)
                        try await relayStream(head, downstream: downstream, upstream: upstream, guarding: nil)
                    case .other:
                        try await relayStream(head, downstream: downstream, upstream: upstream, guarding: nil)
                    }
                }
            }
        } catch {
            reporter.log("warn", "runtime connection ended: \(error)")
        }
    }

    /// Fetches events until one may reach the function; blocked ones are answered here and never seen.
    func relayNext(_ head: HTTPRequestHead, downstream: HTTPServerConnection, upstream: HTTPClientConnection) async throws {
        _ = try await downstream.readBody(limit: 64 << 10)
        while true {
            var response = try await upstream.send(HTTPRequest(head: head, body: []))
            guard response.head.status == .ok, let requestID = response.head.headers["Lambda-Runtime-Aws-Request-Id"].first else {
                try await downstream.send(response)
                return
            }
            let decision = await inspect(response.body, requestID: requestID)
            reporter.record(decision.events)
            switch decision.action {
            case .pass:
                break
            case .forward(let event):
                response.body = event
            case .answer(let body):
                try await post(body, to: RuntimeProxy.runtimePrefix + requestID + "/response", upstream: upstream)
                _ = finish(requestID)
                continue
            case .fail(let type, let body):
                try await post(body, to: RuntimeProxy.runtimePrefix + requestID + "/error", errorType: type, upstream: upstream)
                _ = finish(requestID)
                continue
            }
            if let removed = cleaner?.clean(), !removed.isEmpty {
                reporter.log("info", "tmp cleanup removed \(removed.count) path(s) left by earlier invocations")
            }
            try await downstream.send(response)
            return
        }
    }

    /// Inspects one event; anything the detector cannot read reaches the function untouched.
    func inspect(_ event: [UInt8], requestID: String) async -> InvocationDecision {
        let detector = await self.detector.value
        let verdict: Verdict
        do {
            verdict = try detector.inspect(event: event)
        } catch {
            reporter.log("warn", "request \(requestID): event not inspected (\(error.code.rawValue)); passed to the function")
            invocations.withLock { $0[requestID] = InvocationFacts(requestID: requestID, function: functionName, trigger: .direct) }
            return InvocationDecision(action: .pass, events: [])
        }
        let document = verdict.trigger.isHTTP ? try? JSONDocument(bytes: event) : nil
        let facts = InvocationFacts(requestID: requestID, function: functionName, verdict: verdict, event: document)
        invocations.withLock { $0[requestID] = facts }
        return invocationGuard.decide(verdict, event: event, facts: facts)
    }

    func finish(_ requestID: String) -> InvocationFacts? {
        invocations.withLock { $0.removeValue(forKey: requestID) }
    }

    func relayResponse(_ head: HTTPRequestHead, requestID: String, downstream: HTTPServerConnection, upstream: HTTPClientConnection) async throws {
        let (body, trailers) = try await downstream.readBody()
        let facts = finish(requestID) ?? InvocationFacts(requestID: requestID, function: functionName, trigger: .direct)
        let decision = responseGuard.inspect(body, facts: facts)
        reporter.record(decision.events)
        var request = HTTPRequest(head: head, body: body, trailers: trailers)
        switch decision.action {
        case .pass:
            break
        case .replace(let replacement):
            request.body = replacement
        case .fail(let type, let errorBody):
            request.head.uri = RuntimeProxy.runtimePrefix + requestID + "/error"
            request.head.headers.replaceOrAdd(name: "Lambda-Runtime-Function-Error-Type", value: type)
            request.body = errorBody
        }
        try await downstream.send(try await upstream.send(request))
    }

    /// Relays a request and its answer part by part: chunked bodies and trailers stay as they are.
    /// With `guarding`, chunks of a streamed response are checked for secrets on the way.
    func relayStream(_ head: HTTPRequestHead, downstream: HTTPServerConnection, upstream: HTTPClientConnection, guarding facts: InvocationFacts?) async throws {
        try await upstream.write(.head(head))
        var leakReported = false
        relay: while let part = try await downstream.nextPart() {
            switch part {
            case .head:
                throw HTTPExchangeError(.unexpectedPart, "second head inside one request")
            case .body(let buffer):
                guard let facts else {
                    try await upstream.write(.body(.byteBuffer(buffer)))
                    continue
                }
                var chunk = Array(buffer.readableBytesView)
                let mode = responseGuard.policy.mode(for: .credentialLeak)
                var redacted = chunk
                if mode != .off, let secret = responseGuard.redact(&redacted) {
                    if !leakReported {
                        leakReported = true
                        reporter.record([responseGuard.event(.credentialLeak, rule: "secret.\(secret)", location: "response", evidence: "value of \(secret)", mode: mode, facts: facts, incident: RandomID.incident())])
                    }
                    if mode == .mitigate { chunk = redacted }
                }
                try await upstream.write(.body(.byteBuffer(ByteBuffer(bytes: chunk))))
            case .end(let trailers):
                try await upstream.write(.end(trailers))
                break relay
            }
        }
        while true {
            switch try await upstream.nextPart() {
            case .head(let responseHead): try await downstream.write(.head(responseHead))
            case .body(let buffer): try await downstream.write(.body(.byteBuffer(buffer)))
            case .end(let trailers):
                try await downstream.write(.end(trailers))
                return
            }
        }
    }

    func post(_ body: [UInt8], to uri: String, errorType: String? = nil, upstream: HTTPClientConnection) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if let errorType { headers.add(name: "Lambda-Runtime-Function-Error-Type", value: errorType) }
        let reply = try await upstream.send(HTTPRequest(method: .POST, uri: uri, headers: headers, body: body))
        if reply.head.status != .accepted {
            reporter.log("warn", "\(uri) answered \(reply.head.status.code)")
        }
    }
}
