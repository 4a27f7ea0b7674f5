import NIOCore
import NIOPosix
import PalisadeBehaviour
import PalisadeDetect
import PalisadeJSON
import PalisadePolicy
import PalisadeSystem
import Synchronization

/// The behaviour guard's side in the agent: a unix socket on the agent's event loop where the
/// preload library and the language hooks ask about each exec, open, connect and name lookup, one
/// JSON line each, and get `A` (allow) or `D <errno> <log line>` (deny) back.
final class GuardServer: Sendable {
    static let maxLine = 64 << 10
    /// Beside the socket; the preload library finds it there (PublishedPolicy).
    static let policyFileName = "guard.policy"

    /// Replaced when the console sends a new policy.
    let judge: Mutex<BehaviourJudge>
    let context: InvocationContext
    let reporter: Reporter
    let functionName: String
    /// The last event recorded, so that one call retried along PATH is one event.
    let lastEvent = Mutex<String?>(nil)

    let surroundings: BehaviourSurroundings
    /// The policy the clients decide by themselves with, beside the socket once started.
    let policyFile = Mutex<GuardPolicyFile?>(nil)
    /// What the published file holds; its lock also orders publishing against invocations beginning.
    let publication = Mutex(Publication())

    struct Publication {
        /// The file no longer holds (new invocation, new policy) or was never written.
        var due = true
        /// The judge's `rememberedCount` when the file was written.
        var remembered = -1
    }

    init(policy: EffectivePolicy, surroundings: BehaviourSurroundings, context: InvocationContext, reporter: Reporter, functionName: String) {
        self.judge = Mutex(BehaviourJudge(policy: policy, surroundings: surroundings))
        self.surroundings = surroundings
        self.context = context
        self.reporter = reporter
        self.functionName = functionName
        context.beginObserver.withLock { $0 = InvocationContext.BeginObserver { [weak self] in self?.invalidatePublication() } }
    }

    /// What happened, for people: the operation, what it touched, and the input behind it.
    static func message(_ finding: BehaviourFinding) -> String {
        let verb = switch finding.area {
        case .process: "runs"
        case .file: "opens"
        case .network: "connects to"
        }
        let cause = finding.correlation.map { " shaped by the input at \($0.location)" } ?? ""
        return "\(verb) \(SecurityEvent.truncated(finding.subject)) (\(finding.rule))\(cause)"
    }

    /// Judges the operations asked about from now on by `policy`.
    func apply(_ policy: EffectivePolicy) {
        let renewed = BehaviourJudge(policy: policy, surroundings: surroundings)
        judge.withLock { $0 = renewed }
        invalidatePublication()
    }

    func start(path: String, group: any EventLoopGroup) async throws -> any Channel {
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder(maxLength: Self.maxLine)))
                    try channel.pipeline.syncOperations.addHandler(GuardConnectionHandler(server: self))
                }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .get()
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        policyFile.withLock { $0 = GuardPolicyFile(path: directory + "/" + Self.policyFileName) }
        publishIfDue()
        return channel
    }

    /// The answer line to one request line.
    func answer(_ line: [UInt8]) -> [UInt8] {
        let request: GuardRequest
        do {
            request = try GuardRequest(line: line)
        } catch {
            reporter.log("warn", "behaviour guard: \(error); allowed")
            return Array("A\n".utf8)
        }
        let decision = judge.withLock { $0 }.judge(request, invoking: context.invoking, inputs: context.inputs, processArguments: Self.arguments(of:))
        guard let finding = decision.finding else { return Array("A\n".utf8) }
        let event = record(finding, request: request)
        guard !decision.allowed else { return Array("A\n".utf8) }
        return Array("D \(decision.errno) ".utf8) + Self.logLine(finding, incident: event.incident) + [0x0A]
    }

    func record(_ finding: BehaviourFinding, request: GuardRequest) -> SecurityEvent {
        let facts = context.facts ?? InvocationFacts(requestID: "", function: functionName, trigger: .direct)
        let input = finding.correlation
        let event = SecurityEvent(
            timeMs: WallClock.millisecondsSinceEpoch(), requestID: facts.requestID, function: facts.function, trigger: facts.trigger,
            sourceIP: facts.sourceIP, protection: .behaviour(finding.area), rule: finding.rule, message: Self.message(finding),
            location: input?.location ?? "behaviour", evidence: input?.evidence ?? finding.subject, record: nil,
            action: finding.observed ? .observed : finding.blocked ? .blocked : .reported, incident: RandomID.incident(),
            behaviour: BehaviourDetails(finding: finding, pid: request.pid, source: request.source)
        )
        let key = "\(facts.requestID) \(request.pid) \(finding.rule) \(finding.subject)"
        let repeated = lastEvent.withLock { last in
            defer { last = key }
            return last == key
        }
        if !repeated { reporter.record([event]) }
        return event
    }

    /// The line the client prints to stderr when it fails the call.
    static func logLine(_ finding: BehaviourFinding, incident: String) -> [UInt8] {
        var fields: [(String, String)] = [
            ("palisade", "guard"), ("action", "blocked"), ("category", finding.area.rawValue), ("rule", finding.rule),
        ]
        if let command = finding.command { fields.append(("command", SecurityEvent.truncated(command, limit: SecurityEvent.maxSubject))) }
        if let path = finding.path { fields.append(("path", path)) }
        if finding.area == .network { fields.append(("destination", finding.subject)) }
        if let input = finding.correlation { fields.append(("input", input.location)) }
        fields.append(("incidentId", incident))
        return Array(("{" + fields.map { "\(JSONEscapes.quoted($0.0)):\(JSONEscapes.quoted($0.1))" }.joined(separator: ",") + "}").utf8)
    }

    /// A process's argv from /proc (the process is waiting for our answer, so it cannot change).
    static func arguments(of pid: Int32) -> [String]? {
        guard pid > 0, let bytes = try? Files.read("/proc/\(pid)/cmdline", limit: 64 << 10), !bytes.isEmpty else { return nil }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Splits the stream into lines; a line over the limit closes the connection.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]
    let maxLength: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: 0x0A) else {
            if buffer.readableBytes > maxLength { throw GuardLineTooLong() }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        let line = buffer.readBytes(length: length) ?? []
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

struct GuardLineTooLong: Error {}

/// One client process's connection: each line in, one answer out.
final class GuardConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundOut = ByteBuffer

    let server: GuardServer

    init(server: GuardServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let answer = server.answer(unwrapInboundIn(data))
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: answer)), promise: nil)
        // After the answer, so that the client asking does not wait for it.
        server.publishIfDue()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
