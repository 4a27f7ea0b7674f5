import PalisadeSystem

/// The function as the emulator presents it to the runtime and to extensions.
public struct FunctionIdentity: Sendable {
    public var name: String
    public var handler: String
    public var region = "us-east-1"
    public var account = "000000000000"

    public init(name: String, handler: String) {
        self.name = name
        self.handler = handler
    }

    public var arn: String { "arn:aws:lambda:\(region):\(account):function:\(name)" }
}

/// What one invocation returned, as the Lambda Invoke API would report it.
public struct InvocationResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case response([UInt8])
        /// A function error: its type (`Lambda-Runtime-Function-Error-Type` or the body's `errorType`) and body.
        case error(type: String, body: [UInt8])
    }

    public var requestID: String
    public var outcome: Outcome
    /// The runtime answered with `Lambda-Runtime-Function-Response-Mode: streaming`.
    public var streamed: Bool

    public var body: [UInt8] {
        switch outcome {
        case .response(let body), .error(_, let body): body
        }
    }
}

/// Optional per-invocation context that the Runtime API passes on as headers.
public struct InvocationContext: Sendable {
    public var clientContext: String?
    public var cognitoIdentity: String?
    public var traceID: String?

    public init(clientContext: String? = nil, cognitoIdentity: String? = nil, traceID: String? = nil) {
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.traceID = traceID
    }
}

/// One invocation in flight inside the emulator.
struct PendingInvocation: Sendable {
    let requestID: String
    let event: [UInt8]
    let deadlineMs: Int64
    let context: InvocationContext
}

/// The Lambda side of the local environment: queued invocations, runtimes waiting for one, and the
/// registered extensions with their event queues. All Runtime and Extensions API routes meet here.
actor EmulatorState {
    /// A caller of `next` (runtime or extension) and whether its connection is still open.
    struct Waiter<Value: Sendable> {
        let isConnected: @Sendable () -> Bool
        let continuation: CheckedContinuation<Value, Never>
    }

    struct RegisteredExtension {
        let name: String
        let events: Set<String>
        var queued: [[UInt8]] = []
        var waiter: Waiter<[UInt8]?>?
    }

    /// Events kept for an extension that stopped asking; older ones are dropped beyond this.
    static let maxQueuedExtensionEvents = 256

    let function: FunctionIdentity
    var queued: [PendingInvocation] = []
    var runtimeWaiters: [Waiter<PendingInvocation?>] = []
    var results: [String: CheckedContinuation<InvocationResult, Never>] = [:]
    var initError: InvocationResult?
    var extensions: [String: RegisteredExtension] = [:]
    var registrationWaiters: [(count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    /// When a runtime first asked for an invocation: the end of the init phase.
    var firstNextAt: ContinuousClock.Instant?
    var firstNextWaiters: [CheckedContinuation<ContinuousClock.Instant?, Never>] = []

    init(function: FunctionIdentity) {
        self.function = function
    }

    // MARK: Invocations

    func enqueue(_ invocation: PendingInvocation, result: CheckedContinuation<InvocationResult, Never>) {
        if let initError {
            result.resume(returning: InvocationResult(requestID: invocation.requestID, outcome: initError.outcome, streamed: false))
            return
        }
        results[invocation.requestID] = result
        for id in extensions.keys where extensions[id]?.events.contains("INVOKE") == true {
            deliver(invokeEvent(invocation), toExtension: id)
        }
        queued.append(invocation)
        dispatch()
    }

    /// Called by a runtime's `next`; suspends until an invocation is queued (`nil` once closed).
    func nextInvocation(isConnected: @escaping @Sendable () -> Bool) async -> PendingInvocation? {
        if firstNextAt == nil {
            let now = ContinuousClock.now
            firstNextAt = now
            for waiter in firstNextWaiters { waiter.resume(returning: now) }
            firstNextWaiters.removeAll()
        }
        return await withCheckedContinuation { continuation in
            runtimeWaiters.append(Waiter(isConnected: isConnected, continuation: continuation))
            dispatch()
        }
    }

    /// Suspends until a runtime first asked for an invocation; `nil` when init failed or gave up.
    func firstNext() async -> ContinuousClock.Instant? {
        if let firstNextAt { return firstNextAt }
        if initError != nil { return nil }
        return await withCheckedContinuation { firstNextWaiters.append($0) }
    }

    func stopWaitingForFirstNext() {
        for waiter in firstNextWaiters { waiter.resume(returning: nil) }
        firstNextWaiters.removeAll()
    }

    /// Puts back an invocation whose `next` answer could not be written (the caller went away).
    func requeue(_ invocation: PendingInvocation) {
        guard results[invocation.requestID] != nil else { return }
        queued.insert(invocation, at: 0)
        dispatch()
    }

    func dispatch() {
        // A runtime that hung up gets `nil`, so its handler ends instead of waiting forever.
        runtimeWaiters = runtimeWaiters.filter { waiter in
            if waiter.isConnected() { return true }
            waiter.continuation.resume(returning: nil)
            return false
        }
        while !queued.isEmpty, !runtimeWaiters.isEmpty {
            runtimeWaiters.removeFirst().continuation.resume(returning: queued.removeFirst())
        }
    }

    /// Completes an invocation; false when the id is unknown or already answered.
    func complete(_ requestID: String, with outcome: InvocationResult.Outcome, streamed: Bool) -> Bool {
        guard let continuation = results.removeValue(forKey: requestID) else { return false }
        continuation.resume(returning: InvocationResult(requestID: requestID, outcome: outcome, streamed: streamed))
        return true
    }

    /// The runtime failed to start: every invocation, pending or future, gets its error.
    func failInit(type: String, body: [UInt8]) {
        initError = InvocationResult(requestID: "", outcome: .error(type: type, body: body), streamed: false)
        stopWaitingForFirstNext()
        for invocation in queued {
            _ = complete(invocation.requestID, with: .error(type: type, body: body), streamed: false)
        }
        queued.removeAll()
    }

    func expire(_ requestID: String) {
        queued.removeAll { $0.requestID == requestID }
        _ = complete(requestID, with: .error(type: "Sandbox.Timedout", body: Array(#"{"errorMessage":"Task timed out","errorType":"Sandbox.Timedout"}"#.utf8)), streamed: false)
    }

    // MARK: Extensions

    func register(name: String, events: Set<String>) -> String {
        let id = RandomID.uuid()
        extensions[id] = RegisteredExtension(name: name, events: events)
        for waiter in registrationWaiters where extensions.count >= waiter.count {
            waiter.continuation.resume(returning: true)
        }
        registrationWaiters.removeAll { extensions.count >= $0.count }
        return id
    }

    func isRegistered(_ id: String) -> Bool { extensions[id] != nil }

    /// Suspends until `count` extensions registered; `false` when `expire` came first.
    func waitForExtensions(count: Int) async -> Bool {
        if extensions.count >= count { return true }
        return await withCheckedContinuation { registrationWaiters.append((count, $0)) }
    }

    func stopWaitingForExtensions() {
        for waiter in registrationWaiters { waiter.continuation.resume(returning: false) }
        registrationWaiters.removeAll()
    }

    /// Called by an extension's `event/next`; suspends until an event is queued for it (`nil` once closed).
    func nextExtensionEvent(id: String, isConnected: @escaping @Sendable () -> Bool) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            guard var registered = extensions[id] else {
                continuation.resume(returning: nil)
                return
            }
            if registered.queued.isEmpty {
                registered.waiter = Waiter(isConnected: isConnected, continuation: continuation)
            } else {
                continuation.resume(returning: registered.queued.removeFirst())
            }
            extensions[id] = registered
        }
    }

    func deliver(_ event: [UInt8], toExtension id: String) {
        guard var registered = extensions[id] else { return }
        if let waiter = registered.waiter, waiter.isConnected() {
            registered.waiter = nil
            waiter.continuation.resume(returning: event)
        } else {
            registered.waiter?.continuation.resume(returning: nil)
            registered.waiter = nil
            registered.queued.append(event)
            if registered.queued.count > Self.maxQueuedExtensionEvents { registered.queued.removeFirst() }
        }
        extensions[id] = registered
    }

    /// Sends SHUTDOWN to every extension that asked for it.
    func shutdown(reason: String, deadlineMs: Int64) {
        let event = Array(#"{"eventType":"SHUTDOWN","shutdownReason":"\#(reason)","deadlineMs":\#(deadlineMs)}"#.utf8)
        for id in extensions.keys where extensions[id]?.events.contains("SHUTDOWN") == true {
            deliver(event, toExtension: id)
        }
    }

    /// Releases every waiting caller so their connections can close with the emulator.
    func close() {
        for waiter in runtimeWaiters { waiter.continuation.resume(returning: nil) }
        runtimeWaiters.removeAll()
        for id in extensions.keys {
            extensions[id]?.waiter?.continuation.resume(returning: nil)
            extensions[id]?.waiter = nil
        }
        stopWaitingForExtensions()
        stopWaitingForFirstNext()
        for invocation in queued { expire(invocation.requestID) }
    }

    func invokeEvent(_ invocation: PendingInvocation) -> [UInt8] {
        Array("""
        {"eventType":"INVOKE","deadlineMs":\(invocation.deadlineMs),"requestId":"\(invocation.requestID)",\
        "invokedFunctionArn":"\(function.arn)","tracing":{"type":"X-Amzn-Trace-Id","value":"\(invocation.context.traceID ?? "")"}}
        """.utf8)
    }
}
