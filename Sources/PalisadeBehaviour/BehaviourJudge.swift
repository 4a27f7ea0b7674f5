import PalisadeDetect
import PalisadePolicy
import Synchronization

/// What the guard found wrong with one operation.
public struct BehaviourFinding: Sendable, Equatable {
    public var area: BehaviourArea
    /// e.g. `process.not-allowed`, `file.read-denied`, `network.metadata-endpoint`, `process.input-injection`.
    public var rule: String
    /// Mitigate mode: the call fails. Report mode: it goes ahead and is recorded.
    public var blocked: Bool
    /// Allowed and recorded only for learn mode (report mode): nothing wrong was found.
    public var observed = false
    public var correlation: InputCorrelation?
    public var command: String?
    public var script: String?
    public var path: String?
    public var host: String?
    public var address: String?
    public var port: Int?

    /// What was attempted, for the evidence of events without an input: command, path or destination.
    public var subject: String {
        if let command { return command }
        if let path { return path }
        let name = host ?? address ?? ""
        return port.map { "\(name):\($0)" } ?? name
    }
}

/// The answer to one request: go ahead, or fail with `errno`; and what to record.
public struct BehaviourDecision: Sendable, Equatable {
    public var allowed: Bool
    public var errno: Int32
    public var finding: BehaviourFinding?

    public static let allow = BehaviourDecision(allowed: true, errno: 0, finding: nil)
}

/// Where the agent runs: what the built-in rules protect.
public struct BehaviourSurroundings: Sendable {
    /// The agent's state directory (its files are read-denied).
    public var stateDirectory: String
    /// The real Runtime API (`AWS_LAMBDA_RUNTIME_API`), denied to function code.
    public var runtimeAPI: String?
    /// The agent's proxy port: the runtime's own Runtime API connections, always allowed.
    public var proxyPort: Int?

    public init(stateDirectory: String, runtimeAPI: String? = nil, proxyPort: Int? = nil) {
        self.stateDirectory = stateDirectory
        self.runtimeAPI = runtimeAPI
        self.proxyPort = proxyPort
    }
}

/// Decides process, file and network operations under the policy's `behaviour` section and ties
/// them to the invocation's inputs. Pure apart from a small memory of allowed shell scripts.
public final class BehaviourJudge: Sendable {
    static let errnoPermission: Int32 = 1
    static let errnoAccess: Int32 = 13
    static let errnoRefused: Int32 = 111
    static let maxRemembered = 256

    public let policy: EffectivePolicy
    let allowRules: [CompiledRegex]
    let fileRules: [FileRule]
    let readDeny: [Glob]
    let writeProtect: [Glob]
    let networkAllow: [NetworkRule]?
    /// Built-in and policy deny rules, each with the rule name its events carry.
    let networkDeny: [(rule: NetworkRule, name: String)]
    let proxyPort: Int?
    /// What allow rules accepted, remembered for the published policy (PublishedPolicy) and for shells.
    let memory = Mutex(RuleMemory())

    public init(policy: EffectivePolicy, surroundings: BehaviourSurroundings) {
        self.policy = policy
        let behaviour = policy.behaviour
        allowRules = (behaviour.processes.allow ?? []).compactMap(CompiledRegex.init)
        fileRules = behaviour.files.rules ?? []
        readDeny = behaviour.files.readDeny ?? ["/proc/*/environ", "/proc/self/environ", "/etc/shadow", "/opt/extensions/*", surroundings.stateDirectory + "/*"].map(Glob.init)
        writeProtect = behaviour.files.writeProtect ?? ["/var/task", "/var/task/*", "/opt", "/opt/*"].map(Glob.init)
        networkAllow = behaviour.network.allow
        var deny: [(NetworkRule, String)] = ["169.254.169.254/32", "fd00:ec2::254/128", "169.254.170.2/32"].compactMap { CIDR($0) }.map { (NetworkRule(cidr: $0), "network.metadata-endpoint") }
        var runtimeAPIs = ["127.0.0.1:9001"]
        if let api = surroundings.runtimeAPI { runtimeAPIs.append(api) }
        for api in runtimeAPIs {
            let parts = api.split(separator: ":")
            if parts.count == 2, let cidr = CIDR(String(parts[0])), let port = Int(parts[1]) {
                deny.append((NetworkRule(cidr: cidr, port: port), "network.runtime-api"))
            }
        }
        deny += (behaviour.network.deny ?? []).map { ($0, "network.denied") }
        networkDeny = deny
        proxyPort = surroundings.proxyPort
    }

    /// Decides one request. `invoking` is false until the first event is handed to the function:
    /// the runtime's own start is not judged (no caller input exists yet). `inputs` are the current
    /// invocation's decoded inputs; `processArguments` reads a process's argv (from /proc).
    public func judge(_ request: GuardRequest, invoking: Bool, inputs: () -> [Input], processArguments: (Int32) -> [String]?) -> BehaviourDecision {
        let area = request.operation.area
        let mode = policy.mode(for: .behaviour(area))
        guard mode != .off, invoking else { return .allow }
        var finding: BehaviourFinding
        var errno = Self.errnoAccess
        switch request.operation {
        case .exec(_, let argv, _):
            let shell = ShellCommand(argv: argv)
            finding = BehaviourFinding(area: area, rule: "", blocked: false, command: shell.commandLine, script: shell.script)
            if !allowedByRule(shell) && !insideAllowedScript(pid: request.pid, processArguments: processArguments) {
                finding.rule = "process.not-allowed"
            }
            finding.correlation = InputCorrelation.command(shell, argv: argv, inputs: inputs())
            errno = Self.errnoPermission
        case .open(let path, let cwd, let writes):
            let resolved = PathName.resolvingLinks(path, cwd: cwd, pid: request.pid)
            finding = BehaviourFinding(area: area, rule: fileViolation(resolved, writes: writes) ?? "", blocked: false, path: resolved)
            finding.correlation = InputCorrelation.path(path, inputs: inputs())
        case .connect(let address, let port, let host):
            let bytes = CIDR.bytes(of: address)
            if let bytes, let proxyPort, port == proxyPort, Self.isLoopback(bytes) { return .allow }
            finding = BehaviourFinding(area: area, rule: networkViolation(address: bytes, host: host, port: port) ?? "", blocked: false, host: host, address: address, port: port)
            let inputs = inputs()
            finding.correlation = host.flatMap { InputCorrelation.host($0, inputs: inputs) } ?? InputCorrelation.host(address, inputs: inputs)
            errno = Self.errnoRefused
        case .resolve(let host, let port):
            finding = BehaviourFinding(area: area, rule: networkViolation(address: CIDR.bytes(of: host), host: host, port: port) ?? "", blocked: false, host: host, port: port)
            finding.correlation = InputCorrelation.host(host, inputs: inputs())
        }
        if finding.correlation != nil {
            finding.rule = "\(area.rawValue).input-injection"
        } else if finding.rule.isEmpty {
            // Learn mode: in report mode every allowed operation is recorded for `palisade policy draft`.
            guard mode == .report else { return .allow }
            finding.rule = "\(area.rawValue).observed"
            finding.observed = true
            return BehaviourDecision(allowed: true, errno: 0, finding: finding)
        }
        finding.blocked = mode == .mitigate
        return BehaviourDecision(allowed: !finding.blocked, errno: finding.blocked ? errno : 0, finding: finding)
    }

    // MARK: Processes

    func allowedByRule(_ shell: ShellCommand) -> Bool {
        if memory.withLock({ $0.commandLines.contains(shell.commandLine) }) { return true }
        let subjects = [shell.commandLine] + (shell.script.map { [$0] } ?? [])
        guard allowRules.contains(where: { rule in subjects.contains { rule.matches(Array($0.utf8)) } }) else { return false }
        memory.withLock { $0.remember(shell) }
        return true
    }

    /// The process asking is a shell (or a fork of one) running a script an allow rule accepted.
    func insideAllowedScript(pid: Int32, processArguments: (Int32) -> [String]?) -> Bool {
        guard let arguments = processArguments(pid), let script = ShellCommand(argv: arguments).script else { return false }
        return memory.withLock { $0.scripts.contains(script) }
    }

    /// Counts what allow rules accepted so far: it changes when the published policy should grow.
    public var rememberedCount: Int { memory.withLock { $0.additions } }

    // MARK: Files

    /// Ordered rules decide first; then the read-deny list (any access) and write protection.
    func fileViolation(_ path: String, writes: Bool) -> String? {
        if let rule = fileRules.first(where: { $0.pattern.matches(path) }) { return rule.allows ? nil : "file.denied" }
        if readDeny.contains(where: { $0.matches(path) }) { return "file.read-denied" }
        if writes, writeProtect.contains(where: { $0.matches(path) }) { return "file.write-protected" }
        return nil
    }

    // MARK: Network

    static func isLoopback(_ address: [UInt8]) -> Bool {
        address == Array(repeating: 0, count: 15) + [1] || (address[..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) && address[12] == 127)
    }

    static func matches(_ rule: NetworkRule, address: [UInt8]?, host: String?, port: Int?) -> Bool {
        if let wanted = rule.port, wanted != port { return false }
        if let cidr = rule.cidr { return address.map(cidr.contains) ?? false }
        if let pattern = rule.host, let host { return pattern.matches(host.lowercased()) }
        return false
    }

    /// Deny rules first; then, when the policy lists allowed destinations, anything else. A name
    /// being resolved is held to the host rules only (its addresses are checked when it connects).
    func networkViolation(address: [UInt8]?, host: String?, port: Int?) -> String? {
        if let denied = networkDeny.first(where: { Self.matches($0.rule, address: address, host: host, port: port) }) { return denied.name }
        guard let allow = networkAllow else { return nil }
        if address == nil, !allow.contains(where: { $0.host != nil }) { return nil }
        if address != nil, let host, allow.contains(where: { $0.cidr == nil && Self.matches($0, address: nil, host: host, port: port) }) { return nil }
        return allow.contains { Self.matches($0, address: address, host: host, port: port) } ? nil : "network.not-allowed"
    }
}

/// Command lines an allow rule accepted (a pure function of the policy, so they can be published for
/// the clients to decide by themselves), and the `-c` scripts among them with the shell command lines
/// that ran them. Emptied together when full, so that a published shell line always has its script here.
struct RuleMemory {
    var commandLines: Set<String> = []
    var shellLines: Set<String> = []
    var scripts: Set<String> = []
    /// Grows with every addition, also across clearing.
    var additions = 0

    mutating func remember(_ shell: ShellCommand) {
        if commandLines.count >= BehaviourJudge.maxRemembered {
            commandLines.removeAll()
            shellLines.removeAll()
            scripts.removeAll()
        }
        commandLines.insert(shell.commandLine)
        if let script = shell.script {
            shellLines.insert(shell.commandLine)
            scripts.insert(script)
        }
        additions += 1
    }
}
