import NIOCore
import PalisadeDetect
import PalisadeHTTP
import PalisadeJSON
import PalisadePolicy
import PalisadeSystem
import Synchronization

/// The Runtime API as the function's runtime sees it: every route and header passes through to the
/// real API, except that events are inspected before `next` answers and responses are checked before
/// they are posted. Each runtime connection gets its own upstream connection and its own thread
/// (RuntimeRelay), which reads, inspects and writes with blocking calls: no event loop and no thread
/// switch on the way of an invocation.
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

    /// Listens on 127.0.0.1 (port 0 picks a free one); each runtime connection is relayed on a thread
    /// of its own.
    public func start(port: Int) throws(HTTPExchangeError) -> WireListener {
        detector.future.whenSuccess { detector in self.readyDetector.withLock { $0 = detector } }
        return try WireListener.start(port: port) { socket in RuntimeRelay.serve(socket, proxy: self) }
    }

    /// The routes the proxy looks into; everything else is relayed part by part.
    enum Route {
        case next
        case response(requestID: String)
        case streamedResponse(requestID: String)
        case error(requestID: String)
        case other

        /// Read on the head's bytes: every request of every invocation passes here.
        init(_ head: WireHead) {
            let target = head.target
            let path = target[..<(target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex)]
            let prefix = RuntimeProxy.runtimePrefix.utf8
            guard path.starts(with: prefix) else {
                self = .other
                return
            }
            let segments = path.dropFirst(prefix.count).split(separator: UInt8(ascii: "/"))
            func requestID() -> String { String(decoding: segments[0], as: UTF8.self) }
            func last(is name: String) -> Bool { segments.last?.elementsEqual(name.utf8) == true }
            let method = head.method
            switch segments.count {
            case 1 where method.elementsEqual("GET".utf8) && last(is: "next"): self = .next
            case 2 where method.elementsEqual("POST".utf8) && last(is: "response"):
                let streaming = head.string("Lambda-Runtime-Function-Response-Mode")?.lowercased() == "streaming"
                self = streaming ? .streamedResponse(requestID: requestID()) : .response(requestID: requestID())
            case 2 where method.elementsEqual("POST".utf8) && last(is: "error"): self = .error(requestID: requestID())
            default: self = .other
            }
        }
    }

    /// What becomes of an event: handed to the runtime (`nil`: unchanged), or answered by the agent
    /// in the function's place (the runtime then waits for the next event).
    enum EventOutcome {
        case hand([UInt8]?)
        case post(target: String, errorType: String?, body: [UInt8])
    }

    /// Inspects an event under the current policy and decides what becomes of it.
    func judge(_ event: [UInt8], requestID: String) -> EventOutcome {
        let guards = currentGuards
        let detector = guards.readsEvents ? readyDetector.withLock({ $0 }) ?? compiledDetector() : nil
        let outcome: EventOutcome
        switch inspect(event, requestID: requestID, detector: detector).action {
        case .pass:
            outcome = .hand(nil)
        case .forward(let filtered):
            outcome = .hand(filtered)
        case .answer(let body):
            _ = finish(requestID)
            return .post(target: Self.runtimePrefix + requestID + "/response", errorType: nil, body: body)
        case .fail(let type, let body):
            _ = finish(requestID)
            return .post(target: Self.runtimePrefix + requestID + "/error", errorType: type, body: body)
        }
        if let removed = guards.cleaner?.clean(), !removed.isEmpty {
            reporter.log("info", "tmp cleanup removed \(removed.count) path(s) left by earlier invocations")
        }
        return outcome
    }

    /// The first event may arrive before the rule pack is compiled: it waits for it (on its
    /// connection's thread), at normal priority from then on.
    func compiledDetector() -> Detector? {
        detector.hurry()
        do {
            return try detector.future.wait()
        } catch {
            reporter.log("error", "rule pack unavailable (\(error)); events pass uninspected")
            return nil
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

    /// What to post in place of a function's response: the same, a replacement body, or an error.
    func guardedResponse(_ body: [UInt8], requestID: String) -> ResponseAction {
        let facts = finish(requestID) ?? InvocationFacts(requestID: requestID, function: functionName, trigger: .direct)
        let decision = currentGuards.responseGuard.inspect(body, facts: facts)
        reporter.record(decision.events)
        return decision.action
    }

    /// Masks secrets in one piece of a streamed response when the policy says mitigate; records the
    /// first leak of the stream once.
    func guardChunk(_ bytes: inout [UInt8], facts: InvocationFacts, alreadyReported: inout Bool) {
        let responseGuard = currentGuards.responseGuard
        let mode = responseGuard.policy.mode(for: .credentialLeak)
        guard mode != .off else { return }
        var masked = bytes
        guard let secret = responseGuard.redact(&masked) else { return }
        if !alreadyReported {
            alreadyReported = true
            reporter.record([responseGuard.event(.credentialLeak, rule: "secret.\(secret)", message: "a secret of the function in its streamed response", location: "response", evidence: "value of \(secret)", mode: mode, facts: facts, incident: RandomID.incident())])
        }
        if mode == .mitigate { bytes = masked }
    }
}
