import NIOCore
import NIOHTTP1
import NIOPosix
import PalisadeBehaviour
import PalisadeDetect
import PalisadeHTTP
import PalisadePolicy
import PalisadeSystem

#if canImport(Glibc)
import Glibc
#endif

/// The external extension: starts the Runtime API proxy, tells the wrapper where it listens, registers
/// with the Extensions API for SHUTDOWN, and flushes its queue then. When the proxy cannot start it still
/// registers, so the function runs (unprotected, or refused by the wrapper under PALISADE_FAIL_CLOSED).
public enum Agent {
    public static let refuseFlag = "--refuse-invocations"

    /// One event loop thread carries the proxy and all its connections: an invocation never waits
    /// for a thread switch (the latency budget is a fraction of a millisecond). Call before any I/O.
    public static func runOnOneEventLoop() {
        NIOSingletons.groupLoopCountSuggestion = 1
    }

    /// Runs the agent until SHUTDOWN; returns the process exit status.
    public static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        let reporter = Reporter(queue: nil)
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
        let queue = configuration.eventsOut.map { _ in EventQueue(spillPath: configuration.stateDirectory + "/events.spill.jsonl") }
        let reporter = Reporter(queue: queue)
        let loaded = PolicyLoader(environment: configuration.environment).load()
        for problem in loaded.problems { reporter.log("error", problem) }
        let policy = loaded.policy

        // The rule pack compiles once the agent has registered, so that it does not compete for the
        // CPU with the start of the agent; the runtime's own start overlaps it (see DetectorBuild).
        let group = MultiThreadedEventLoopGroup.singleton
        let detector = DetectorBuild(eventLoop: group.next())
        let options = {
            var options = DetectorOptions()
            options.categories = policy.activeCategories
            return options
        }()
        var proxyServer: (any Channel)?
        let context = InvocationContext()
        do {
            proxyServer = try await startProxy(configuration, policy: policy, detector: detector, reporter: reporter, context: context)
        } catch {
            reporter.log("error", "proxy did not start (\(error)); the function runs without protection")
        }
        let guardServer = await startGuard(configuration, policy: policy, proxyPort: proxyServer?.localAddress?.port, context: context, reporter: reporter)
        if let proxyServer {
            do {
                try Files.replace(configuration.stateFile, with: Array("\(getpid()) \(proxyServer.localAddress?.port ?? 0)\n".utf8))
                reporter.log("info", "protecting \(configuration.functionName): proxy on 127.0.0.1:\(proxyServer.localAddress?.port ?? 0), policy from \(loaded.source)")
            } catch {
                reporter.log("error", "cannot tell the wrapper where the proxy is (\(error)); the function runs without protection")
            }
        }

        var registered = false
        do {
            try await HTTPClientConnection.with(configuration.upstream) { connection in
                let client = try await ExtensionClient.register(name: extensionName, on: connection)
                detector.start(options: options)
                registered = true
                let reason = try await client.waitForShutdown()
                reporter.log("info", "shutdown (\(reason)): flushing security events")
            }
        } catch {
            reporter.log("error", "extensions API: \(error)")
            if !registered { detector.fail(error) }
            Files.remove(configuration.stateFile)
            return 1
        }
        Files.remove(configuration.stateFile)
        if let queue, let path = configuration.eventsOut {
            deliver(queue, to: path, reporter: reporter)
        }
        try? await proxyServer?.close()
        try? await guardServer?.close()
        return 0
    }

    /// The behaviour guard's socket, unless the policy switches all three parts off. Without it the
    /// wrapper does not preload the guard library.
    static func startGuard(_ configuration: AgentConfiguration, policy: EffectivePolicy, proxyPort: Int?, context: InvocationContext, reporter: Reporter) async -> (any Channel)? {
        guard BehaviourArea.allCases.contains(where: { policy.mode(for: .behaviour($0)) != .off }) else { return nil }
        let surroundings = BehaviourSurroundings(stateDirectory: configuration.stateDirectory, runtimeAPI: configuration.environment["AWS_LAMBDA_RUNTIME_API"], proxyPort: proxyPort)
        let server = GuardServer(judge: BehaviourJudge(policy: policy, surroundings: surroundings), context: context, reporter: reporter, functionName: configuration.functionName)
        do {
            let channel = try await server.start(path: configuration.guardSocket, group: MultiThreadedEventLoopGroup.singleton)
            let modes = BehaviourArea.allCases.map { "\($0.rawValue) \(policy.mode(for: .behaviour($0)).rawValue)" }.joined(separator: ", ")
            reporter.log("info", "behaviour guard on \(configuration.guardSocket) (\(modes))")
            return channel
        } catch {
            reporter.log("error", "behaviour guard did not start (\(error)); processes, files and network are not guarded")
            return nil
        }
    }

    static func startProxy(_ configuration: AgentConfiguration, policy: EffectivePolicy, detector: DetectorBuild, reporter: Reporter, context: InvocationContext) async throws -> any Channel {
        let cleaner = policy.tmpCleanup.map {
            TmpCleaner(root: configuration.tmpDirectory, keep: $0.keep, alwaysKeep: [configuration.stateDirectory])
        }
        let proxy = RuntimeProxy(
            upstream: configuration.upstream,
            detector: detector,
            invocationGuard: InvocationGuard(policy: policy),
            responseGuard: ResponseGuard(policy: policy, environment: configuration.environment),
            reporter: reporter,
            cleaner: cleaner,
            functionName: configuration.functionName,
            context: context
        )
        return try await proxy.start(port: configuration.proxyPort, group: MultiThreadedEventLoopGroup.singleton)
    }

    /// Hands queued events to their destination; SHUTDOWN leaves about two seconds for this.
    static func deliver(_ queue: EventQueue, to path: String, reporter: Reporter) {
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
