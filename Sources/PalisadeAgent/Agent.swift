import NIOCore
import NIOHTTP1
import NIOPosix
import PalisadeBehaviour
import PalisadeConsoleClient
import PalisadeDetect
import PalisadeHTTP
import PalisadePolicy
import PalisadeSystem

#if canImport(Glibc)
import Glibc
#endif

/// The external extension: starts the Runtime API proxy, tells the wrapper where it listens, registers
/// with the Extensions API (SHUTDOWN; INVOKE too when a console is configured, for the post-invoke
/// delivery of events), and flushes its queues at SHUTDOWN. When the proxy cannot start it still
/// registers, so the function runs (unprotected, or refused by the wrapper under PALISADE_FAIL_CLOSED).
public enum Agent {
    public static let refuseFlag = "--refuse-invocations"

    /// One event loop thread carries the extension client, the console link and the guard socket (the
    /// proxy relays each runtime connection on a thread of its own). Call before any I/O.
    public static func runOnOneEventLoop() {
        NIOSingletons.groupLoopCountSuggestion = 1
        // Two arenas are plenty for an event loop, a relay and a compiling thread.
        Malloc.limitArenas(to: 2)
    }

    /// Runs the agent until SHUTDOWN; returns the process exit status.
    public static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        let reporter = Reporter()
        let configuration: AgentConfiguration
        do {
            configuration = try AgentConfiguration(environment: environment)
        } catch {
            reporter.log("error", "\(error)")
            return 1
        }
        if arguments.dropFirst().contains(refuseFlag) {
            return await refuseInvocations(configuration, reporter: reporter)
        }
        let name = arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? "palisade-agent"
        return await run(configuration, extensionName: name)
    }

    static func run(_ configuration: AgentConfiguration, extensionName: String) async -> Int32 {
        try? Files.createDirectory(configuration.stateDirectory)
        var console: ConsoleLink?
        do {
            console = try ConsoleCredentials(environment: configuration.environment).map { ConsoleLink(credentials: $0, configuration: configuration) }
        } catch {
            Reporter().log("error", "console not used: \(error)")
        }
        let consoleQueue = console.map { _ in EventQueue(spillPath: configuration.stateDirectory + "/console.spill.jsonl", takesObserved: false) }
        let fileQueue = configuration.eventsOut.map { _ in EventQueue(spillPath: configuration.stateDirectory + "/events.spill.jsonl") }
        let reporter = Reporter(queues: [consoleQueue, fileQueue].compactMap { $0 })
        let loader = PolicyLoader(environment: configuration.environment)
        let loaded = loader.load()
        for problem in loaded.problems { reporter.log("error", problem) }
        // Asked for while the agent registers and the runtime starts; the rule pack compiles for it.
        let consolePolicy = console.map { console in Task { await console.coldStartPolicy(loader: loader, reporter: reporter) } }

        // The rule pack compiles once the agent has registered, so that it does not compete for the
        // CPU with the start of the agent; the runtime's own start overlaps it (see DetectorBuild).
        let group = MultiThreadedEventLoopGroup.singleton
        let detector = DetectorBuild(eventLoop: group.next())
        let proxy: (RuntimeProxy, WireListener)?
        let context = InvocationContext()
        do {
            proxy = try startProxy(configuration, policy: loaded.policy, detector: detector, reporter: reporter, context: context)
        } catch {
            proxy = nil
            reporter.log("error", "proxy did not start (\(error)); the function runs without protection")
        }
        let runtimeProxy = proxy?.0
        let guardServer = await startGuard(configuration, policy: loaded.policy, proxyPort: proxy?.1.port, context: context, reporter: reporter)
        if let (_, listener) = proxy {
            do {
                try Files.replace(configuration.stateFile, with: Array("\(getpid()) \(listener.port)\n".utf8))
                reporter.log("info", "protecting \(configuration.functionName): proxy on 127.0.0.1:\(listener.port), policy from \(loaded.source)")
            } catch {
                reporter.log("error", "cannot tell the wrapper where the proxy is (\(error)); the function runs without protection")
            }
        }

        var registered = false
        var shutdownDeadlineMs: Int64 = 0
        do {
            try await HTTPClientConnection.with(configuration.upstream) { connection in
                let client = try await ExtensionClient.register(name: extensionName, events: console == nil ? ["SHUTDOWN"] : ["INVOKE", "SHUTDOWN"], on: connection)
                registered = true
                Task {
                    var policy = loaded.policy
                    if let fetched = await consolePolicy?.value {
                        policy = fetched
                        runtimeProxy?.apply(fetched, configuration: configuration)
                        guardServer?.1.apply(fetched)
                    }
                    detector.start(options: detectorOptions(for: policy))
                }
                while true {
                    switch try await client.next() {
                    case .shutdown(let reason, let deadlineMs):
                        reporter.log("info", "shutdown (\(reason)): flushing security events")
                        shutdownDeadlineMs = deadlineMs
                        return
                    case .invoke(let requestID, let deadlineMs):
                        guard let console, let consoleQueue, let runtimeProxy else { continue }
                        let remaining = max(0, deadlineMs - WallClock.millisecondsSinceEpoch())
                        await runtimeProxy.completions.wait(for: requestID, timeout: .milliseconds(remaining))
                        console.count(runtimeProxy.invocationCount.exchange(0, ordering: .relaxed))
                        await console.afterInvocation(queue: consoleQueue, reporter: reporter)
                        if let policy = await console.refreshedPolicy(loader: loader, reporter: reporter) {
                            runtimeProxy.apply(policy, configuration: configuration)
                            guardServer?.1.apply(policy)
                        }
                    }
                }
            }
        } catch {
            reporter.log("error", "extensions API: \(error)")
            if !registered { detector.fail(error) }
            Files.remove(configuration.stateFile)
            return 1
        }
        Files.remove(configuration.stateFile)
        if let console, let consoleQueue {
            if let runtimeProxy { console.count(runtimeProxy.invocationCount.exchange(0, ordering: .relaxed)) }
            // SHUTDOWN leaves about two seconds: a console that is still down gets a try every
            // 200 ms until shortly before the deadline, so a restart in that window loses nothing.
            let lastTryMs = (shutdownDeadlineMs > 0 ? shutdownDeadlineMs : WallClock.millisecondsSinceEpoch() + 2000) - 400
            while await !console.deliver(queue: consoleQueue, reporter: reporter), WallClock.millisecondsSinceEpoch() < lastTryMs {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        if let fileQueue, let path = configuration.eventsOut {
            write(fileQueue, to: path, reporter: reporter)
        }
        proxy?.1.close()
        guardServer?.1.withdrawPublication()
        try? await guardServer?.0.close()
        return 0
    }

    /// The detector looks only for what the policy does not switch off.
    static func detectorOptions(for policy: EffectivePolicy) -> DetectorOptions {
        var options = DetectorOptions()
        options.categories = policy.activeCategories
        return options
    }

    /// The behaviour guard's socket, unless the policy switches all three parts off. Without it the
    /// wrapper does not preload the guard library.
    static func startGuard(_ configuration: AgentConfiguration, policy: EffectivePolicy, proxyPort: Int?, context: InvocationContext, reporter: Reporter) async -> (any Channel, GuardServer)? {
        guard BehaviourArea.allCases.contains(where: { policy.mode(for: .behaviour($0)) != .off }) else { return nil }
        let surroundings = BehaviourSurroundings(stateDirectory: configuration.stateDirectory, runtimeAPI: configuration.environment["AWS_LAMBDA_RUNTIME_API"], proxyPort: proxyPort)
        let server = GuardServer(policy: policy, surroundings: surroundings, context: context, reporter: reporter, functionName: configuration.functionName)
        do {
            let channel = try await server.start(path: configuration.guardSocket, group: MultiThreadedEventLoopGroup.singleton)
            let modes = BehaviourArea.allCases.map { "\($0.rawValue) \(policy.mode(for: .behaviour($0)).rawValue)" }.joined(separator: ", ")
            reporter.log("info", "behaviour guard on \(configuration.guardSocket) (\(modes))")
            return (channel, server)
        } catch {
            reporter.log("error", "behaviour guard did not start (\(error)); processes, files and network are not guarded")
            return nil
        }
    }

    static func startProxy(_ configuration: AgentConfiguration, policy: EffectivePolicy, detector: DetectorBuild, reporter: Reporter, context: InvocationContext) throws(HTTPExchangeError) -> (RuntimeProxy, WireListener) {
        let proxy = RuntimeProxy(
            upstream: configuration.upstream,
            detector: detector,
            guards: PolicyGuards(policy: policy, configuration: configuration),
            reporter: reporter,
            functionName: configuration.functionName,
            context: context
        )
        return (proxy, try proxy.start(port: configuration.proxyPort))
    }

    /// Writes queued events to the local events file (`palisade run --events-out`).
    static func write(_ queue: EventQueue, to path: String, reporter: Reporter) {
        let (lines, dropped) = queue.drain()
        do {
            try Files.append(lines.flatMap { $0 }, to: path)
        } catch {
            reporter.log("error", "security events not delivered: \(error)")
        }
        if dropped > 0 { reporter.log("warn", "\(dropped) security event(s) dropped: the queue was full") }
    }

    /// Fail-closed stand-in for the runtime when the agent is unavailable: every invocation fails
    /// with `Palisade.AgentUnavailable`, so nothing runs unprotected.
    static func refuseInvocations(_ configuration: AgentConfiguration, reporter: Reporter) async -> Int32 {
        let type = "Palisade.AgentUnavailable"
        let body = BlockedAnswers.error(type: type, message: "The Palisade agent is not running and PALISADE_FAIL_CLOSED=1: invocation refused")
        do {
            try await HTTPClientConnection.with(configuration.upstream) { connection in
                while true {
                    let next = try await connection.send(HTTPRequest(method: .GET, uri: RuntimeProxy.runtimePrefix + "next"))
                    guard let requestID = next.head.headers["Lambda-Runtime-Aws-Request-Id"].first else { continue }
                    reporter.log("error", "request \(requestID) refused: agent unavailable (PALISADE_FAIL_CLOSED=1)")
                    var headers = HTTPHeaders()
                    headers.add(name: "Lambda-Runtime-Function-Error-Type", value: type)
                    _ = try await connection.send(HTTPRequest(method: .POST, uri: RuntimeProxy.runtimePrefix + requestID + "/error", headers: headers, body: body))
                }
            }
        } catch {
            reporter.log("error", "runtime API: \(error)")
        }
        return 1
    }
}
