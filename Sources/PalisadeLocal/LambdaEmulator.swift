import NIOCore
import NIOHTTP1
import PalisadeHTTP
import PalisadeJSON
import PalisadeSystem

/// A local stand-in for the Lambda service: the Runtime API (`2018-06-01`) and the Extensions API
/// (`2020-01-01`) on one loopback port, speaking HTTP/1.1 keep-alive as the real one does.
public final class LambdaEmulator: Sendable {
    public let function: FunctionIdentity
    let state: EmulatorState
    let server: LoopbackHTTPServer

    public var address: LoopbackAddress { server.address }

    public static func start(function: FunctionIdentity, port: Int = 0) async throws -> LambdaEmulator {
        let state = EmulatorState(function: function)
        let router = EmulatorRouter(state: state, function: function)
        let server = try await LoopbackHTTPServer.start(port: port) { connection in
            await router.serve(connection)
        }
        return LambdaEmulator(function: function, state: state, server: server)
    }

    init(function: FunctionIdentity, state: EmulatorState, server: LoopbackHTTPServer) {
        self.function = function
        self.state = state
        self.server = server
    }

    /// Waits until `count` extensions registered, as Lambda does before it starts the runtime.
    public func waitForExtensions(count: Int, timeout: Duration) async -> Bool {
        let state = self.state
        let timer = Task {
            try await Task.sleep(for: timeout)
            await state.stopWaitingForExtensions()
        }
        defer { timer.cancel() }
        return await state.waitForExtensions(count: count)
    }

    /// Invokes the function once and waits for its answer (or `Sandbox.Timedout`).
    public func invoke(_ event: [UInt8], timeout: Duration = .seconds(30), context: InvocationContext = .init()) async -> InvocationResult {
        let deadline = WallClock.millisecondsSinceEpoch() + Int64(timeout.components.seconds) * 1000
        var context = context
        if context.traceID == nil { context.traceID = "Root=1-\(RandomID.incident().prefix(8))-\(RandomID.incident())\(RandomID.incident().prefix(8));Sampled=0" }
        let invocation = PendingInvocation(requestID: RandomID.uuid(), event: event, deadlineMs: deadline, context: context)
        let state = self.state
        let timer = Task {
            try await Task.sleep(for: timeout)
            await state.expire(invocation.requestID)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            Task { await state.enqueue(invocation, result: continuation) }
        }
    }

    /// Sends SHUTDOWN to the extensions (they get `deadline` to finish) and stops listening.
    public func shutdown(deadline: Duration = .milliseconds(2000)) async {
        await state.shutdown(reason: "spindown", deadlineMs: WallClock.millisecondsSinceEpoch() + Int64(deadline.components.seconds * 1000 + deadline.components.attoseconds / 1_000_000_000_000_000))
    }

    public func close() async {
        await state.close()
        await server.close()
    }
}

/// Maps each request of the two APIs to the emulator's state.
struct EmulatorRouter: Sendable {
    let state: EmulatorState
    let function: FunctionIdentity

    static let runtimePrefix = "/2018-06-01/runtime/"
    static let extensionPrefix = "/2020-01-01/extension/"

    func serve(_ connection: HTTPServerConnection) async {
        do {
            while let head = try await connection.nextHead() {
                let (body, trailers) = try await connection.readBody()
                let isConnected = connection.connectionProbe
                switch try await route(head, body: body, trailers: trailers, isConnected: isConnected) {
                case .answer(let response):
                    try await connection.send(response)
                case .invocation(let invocation):
                    do {
                        try await connection.send(Self.nextResponse(invocation, function: function))
                    } catch {
                        await state.requeue(invocation)
                        throw error
                    }
                case .close:
                    return
                }
                if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) { return }
            }
        } catch {
            // The peer went away or sent something unreadable; its connection ends here.
        }
    }

    enum Reply {
        case answer(HTTPResponse)
        case invocation(PendingInvocation)
        /// The emulator is closing: end the connection without an answer.
        case close
    }

    func route(_ head: HTTPRequestHead, body: [UInt8], trailers: HTTPHeaders?, isConnected: @escaping @Sendable () -> Bool) async throws -> Reply {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if path.hasPrefix(Self.runtimePrefix) {
            return try await runtimeRoute(Array(path.dropFirst(Self.runtimePrefix.count).split(separator: "/").map(String.init)), head: head, body: body, trailers: trailers, isConnected: isConnected)
        }
        if path.hasPrefix(Self.extensionPrefix) {
            return .answer(await extensionRoute(String(path.dropFirst(Self.extensionPrefix.count)), head: head, body: body, isConnected: isConnected))
        }
        return .answer(Self.error(.notFound, "InvalidRequest", "no route \(head.method) \(path)"))
    }

    func runtimeRoute(_ segments: [String], head: HTTPRequestHead, body: [UInt8], trailers: HTTPHeaders?, isConnected: @escaping @Sendable () -> Bool) async throws -> Reply {
        let invocationID = segments.count == 3 && segments[0] == "invocation" ? segments[1] : nil
        switch (head.method, segments.joined(separator: "/"), invocationID) {
        case (.GET, "invocation/next", _):
            guard let invocation = await state.nextInvocation(isConnected: isConnected) else { return .close }
            return .invocation(invocation)
        case (.POST, _, let id?) where segments[2] == "response":
            let streamed = head.headers["Lambda-Runtime-Function-Response-Mode"].first?.lowercased() == "streaming"
            let outcome: InvocationResult.Outcome
            if let trailers, let type = trailers["Lambda-Runtime-Function-Error-Type"].first {
                outcome = .error(type: type, body: Self.decodeBase64(trailers["Lambda-Runtime-Function-Error-Body"].first ?? ""))
            } else {
                outcome = .response(body)
            }
            return .answer(await accept(id, outcome, streamed: streamed))
        case (.POST, _, let id?) where segments[2] == "error":
            return .answer(await accept(id, .error(type: Self.errorType(head, body), body: body), streamed: false))
        case (.POST, "init/error", _):
            await state.failInit(type: Self.errorType(head, body), body: body)
            return .answer(.json(.accepted, Array(#"{"status":"OK"}"#.utf8)))
        default:
            return .answer(Self.error(.notFound, "InvalidRequest", "no runtime route \(head.method) \(head.uri)"))
        }
    }

    func accept(_ id: String, _ outcome: InvocationResult.Outcome, streamed: Bool) async -> HTTPResponse {
        guard await state.complete(id, with: outcome, streamed: streamed) else {
            return Self.error(.badRequest, "InvalidRequestID", "no invocation \(id) is waiting for an answer")
        }
        return .json(.accepted, Array(#"{"status":"OK"}"#.utf8))
    }

    func extensionRoute(_ route: String, head: HTTPRequestHead, body: [UInt8], isConnected: @escaping @Sendable () -> Bool) async -> HTTPResponse {
        switch (head.method, route) {
        case (.POST, "register"):
            guard let name = head.headers["Lambda-Extension-Name"].first, !name.isEmpty else {
                return Self.error(.badRequest, "InvalidRequest", "Lambda-Extension-Name header missing")
            }
            let events = Self.registeredEvents(body)
            let id = await state.register(name: name, events: events)
            var headers = HTTPHeaders()
            headers.add(name: "Lambda-Extension-Identifier", value: id)
            let answer = #"{"functionName":\#(JSONEscapes.quoted(function.name)),"functionVersion":"$LATEST","handler":\#(JSONEscapes.quoted(function.handler))}"#
            return .json(.ok, Array(answer.utf8), headers: headers)
        case (.GET, "event/next"):
            guard let id = head.headers["Lambda-Extension-Identifier"].first, await state.isRegistered(id) else {
                return Self.error(.forbidden, "Extension.InvalidExtensionIdentifier", "unknown Lambda-Extension-Identifier")
            }
            var headers = HTTPHeaders()
            headers.add(name: "Lambda-Extension-Event-Identifier", value: RandomID.uuid())
            guard let event = await state.nextExtensionEvent(id: id, isConnected: isConnected) else {
                return Self.error(.serviceUnavailable, "Extension.Closed", "the environment is shutting down")
            }
            return .json(.ok, event, headers: headers)
        case (.POST, "init/error"), (.POST, "exit/error"):
            return .json(.accepted, Array(#"{"status":"OK"}"#.utf8))
        default:
            return Self.error(.notFound, "InvalidRequest", "no extension route \(head.method) \(route)")
        }
    }

    static func nextResponse(_ invocation: PendingInvocation, function: FunctionIdentity) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Lambda-Runtime-Aws-Request-Id", value: invocation.requestID)
        headers.add(name: "Lambda-Runtime-Deadline-Ms", value: String(invocation.deadlineMs))
        headers.add(name: "Lambda-Runtime-Invoked-Function-Arn", value: function.arn)
        headers.add(name: "Lambda-Runtime-Trace-Id", value: invocation.context.traceID ?? "")
        if let clientContext = invocation.context.clientContext {
            headers.add(name: "Lambda-Runtime-Client-Context", value: clientContext)
        }
        if let identity = invocation.context.cognitoIdentity {
            headers.add(name: "Lambda-Runtime-Cognito-Identity", value: identity)
        }
        return .json(.ok, invocation.event, headers: headers)
    }

    /// The events an extension registers for, from `{"events": ["INVOKE", "SHUTDOWN"]}`.
    static func registeredEvents(_ body: [UInt8]) -> Set<String> {
        guard let document = try? JSONDocument(bytes: body), let events = document.root["events"] else { return [] }
        return Set(events.elements.compactMap(\.string))
    }

    /// The header wins, as in Lambda; else the body's `errorType`; else `Unhandled`.
    static func errorType(_ head: HTTPRequestHead, _ body: [UInt8]) -> String {
        if let type = head.headers["Lambda-Runtime-Function-Error-Type"].first, !type.isEmpty { return type }
        if let document = try? JSONDocument(bytes: body), let type = document.root["errorType"]?.string { return type }
        return "Unhandled"
    }

    static func error(_ status: HTTPResponseStatus, _ type: String, _ message: String) -> HTTPResponse {
        .json(status, Array(#"{"errorMessage":\#(JSONEscapes.quoted(message)),"errorType":\#(JSONEscapes.quoted(type))}"#.utf8))
    }

    static func decodeBase64(_ text: String) -> [UInt8] {
        Base64.decode(Array(text.utf8)) ?? Array(text.utf8)
    }
}
