import PalisadeConsoleClient
import PalisadePolicy
import PalisadeSystem
import Synchronization

/// The agent's side of the console (docs/console-protocol.md): the policy at cold start and on
/// refresh, security events and invocation counts in the post-invoke phase, so no caller ever waits
/// for the console. A console that is down costs no events: they stay queued (spilling to /tmp) and
/// go with a later invocation or at SHUTDOWN.
final class ConsoleLink: Sendable {
    /// The first policy must arrive while the runtime starts; past this the embedded one applies
    /// (`PALISADE_CONSOLE_WAIT_MS` sets another wait, up to `maxColdStartWait`).
    static let coldStartTimeout = Duration.milliseconds(1500)
    static let maxColdStartWait = 30_000
    /// Per request after cold start: a slow console must not hold the next invocation for long.
    static let requestTimeout = Duration.seconds(2)
    /// After failed deliveries, post-invoke phases skip the console for 1 s, then 2 s, 4 s… up to
    /// 30 s (SHUTDOWN still tries): a short outage costs little delay, a long one little effort.
    static let firstBackoff = Duration.seconds(1)
    static let maxBackoff = Duration.seconds(30)
    /// Counters alone (no event queued) are sent at most this often.
    static let counterInterval = Duration.seconds(60)
    /// The console takes at most 1,000 events per batch.
    static let batchSize = 500

    struct State {
        var lastPolicyFetch: ContinuousClock.Instant?
        var lastCounterSend = ContinuousClock.now
        var quietUntil: ContinuousClock.Instant?
        var failures = 0
        /// Start of the current counting window, ms since 1970.
        var windowStartMs = WallClock.millisecondsSinceEpoch()
        var invocations = 0
        /// Counters whose delivery failed, resent as they were so the console can tell a retry.
        var unsent: [InvocationCounter] = []
    }

    let sender: EventBatchSender
    let policies: PolicyFetcher
    let function: String
    let refreshInterval: Duration
    let coldStartWait: Duration
    let state = Mutex(State())

    init(credentials: ConsoleCredentials, configuration: AgentConfiguration) {
        let environment = configuration.environment
        let client = ConsoleClient(credentials: credentials, timeout: Self.requestTimeout)
        let agent = AgentDescription(
            function: configuration.functionName,
            region: environment["AWS_REGION"],
            runtime: environment["AWS_EXECUTION_ENV"].map { $0.hasPrefix("AWS_Lambda_") ? String($0.dropFirst(11)) : $0 },
            layerVersion: environment["PALISADE_LAYER_VERSION"]
        )
        sender = EventBatchSender(client: client, agent: agent, maxAttempts: 1)
        policies = PolicyFetcher(client: client, function: configuration.functionName, embedded: environment["PALISADE_POLICY"])
        function = configuration.functionName
        refreshInterval = .seconds(environment["PALISADE_POLICY_REFRESH_SECONDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 60)
        coldStartWait = environment["PALISADE_CONSOLE_WAIT_MS"].flatMap { Int($0) }
            .map { .milliseconds(min(max(0, $0), Self.maxColdStartWait)) } ?? Self.coldStartTimeout
    }

    /// The console's policy for this function, or `nil` when the embedded one stays (with the reason logged).
    func coldStartPolicy(loader: PolicyLoader, reporter: Reporter) async -> EffectivePolicy? {
        state.withLock { $0.lastPolicyFetch = .now }
        return apply(await policies.fetch(timeout: coldStartWait), loader: loader, reporter: reporter)
    }

    /// A changed policy when the refresh interval has passed and the console has one; else `nil`.
    func refreshedPolicy(loader: PolicyLoader, reporter: Reporter) async -> EffectivePolicy? {
        let due = state.withLock { state -> Bool in
            guard state.lastPolicyFetch.map({ .now - $0 >= refreshInterval }) ?? true else { return false }
            state.lastPolicyFetch = .now
            return true
        }
        guard due else { return nil }
        return apply(await policies.fetch(), loader: loader, reporter: reporter)
    }

    private func apply(_ fetched: FetchedPolicy, loader: PolicyLoader, reporter: Reporter) -> EffectivePolicy? {
        switch fetched {
        case .unchanged:
            return nil
        case .embedded(_, let reason):
            reporter.log("warn", "no policy from the console (\(reason)); the current policy stays")
            return nil
        case .console(let document, let etag):
            do {
                let policy = try loader.resolve(document)
                reporter.log("info", "policy \(etag) from the console applied")
                return policy
            } catch {
                reporter.log("error", "policy \(etag) from the console rejected (\(error)); the current policy stays")
                return nil
            }
        }
    }

    /// Adds the invocations counted since the last call to the current window.
    func count(_ invocations: Int) {
        guard invocations > 0 else { return }
        state.withLock { $0.invocations += invocations }
    }

    /// The post-invoke phase: delivers what is queued unless the console failed recently; counters
    /// alone go once a minute.
    func afterInvocation(queue: EventQueue, reporter: Reporter) async {
        let due = state.withLock { state -> Bool in
            if let quiet = state.quietUntil, quiet > .now { return false }
            return !queue.isEmpty || !state.unsent.isEmpty || ContinuousClock.now - state.lastCounterSend >= Self.counterInterval
        }
        if due { await deliver(queue: queue, reporter: reporter) }
    }

    /// Sends everything queued, in batches; what fails goes back to the queue for a later try.
    /// Returns whether everything was delivered.
    @discardableResult
    func deliver(queue: EventQueue, reporter: Reporter) async -> Bool {
        var counters = state.withLock { state -> [InvocationCounter] in
            let now = WallClock.millisecondsSinceEpoch()
            if state.invocations > 0 {
                state.unsent.append(InvocationCounter(function: function, invocations: state.invocations, fromMs: state.windowStartMs, toMs: now))
                state.invocations = 0
                state.windowStartMs = now
            }
            let counters = state.unsent
            state.unsent = []
            return counters
        }
        let (lines, dropped) = queue.drain()
        if dropped > 0 { reporter.log("warn", "\(dropped) security event(s) dropped: the queue was full") }
        var start = 0
        repeat {
            let batch = Array(lines[start..<min(lines.count, start + Self.batchSize)])
            do {
                _ = try await sender.send(events: batch, counters: counters)
                counters = []
                start += batch.count
            } catch {
                reporter.log("warn", "security events kept for later: console delivery failed (\(error))")
                queue.requeue(Array(lines[start...]))
                state.withLock { state in
                    state.unsent = counters + state.unsent
                    state.failures += 1
                    let backoff = Self.firstBackoff * (1 << min(state.failures - 1, 5))
                    state.quietUntil = .now + min(backoff, Self.maxBackoff)
                }
                return false
            }
        } while start < lines.count
        state.withLock { state in
            state.lastCounterSend = .now
            state.quietUntil = nil
            state.failures = 0
        }
        return true
    }
}
