import Foundation
import PalisadeBehaviour
import PalisadeDetect
import PalisadePolicy
import Testing

@Suite struct BehaviourJudgeTests {
    static let surroundings = BehaviourSurroundings(stateDirectory: "/tmp/palisade", runtimeAPI: "127.0.0.1:9001", proxyPort: 40123)

    static func judge(_ policy: String, mode: Mode? = nil) throws -> BehaviourJudge {
        BehaviourJudge(policy: try Policy(json: Array(policy.utf8)).resolved(functionName: "f", defaultMode: mode), surroundings: surroundings)
    }

    static let mitigate = #"{"behaviour": {"processes": {"allow": ["^curl --silent -L https://[\\w./-]+$", "^/usr/bin/convert \\S+ \\S+$"]}}}"#

    static func decide(_ judge: BehaviourJudge, _ operation: GuardRequest.Operation, inputs: [Input] = [], invoking: Bool = true, arguments: [String]? = nil) -> BehaviourDecision {
        judge.judge(GuardRequest(operation: operation, pid: 42, ppid: 7), invoking: invoking, inputs: { inputs }, processArguments: { _ in arguments })
    }

    static func shell(_ script: String) -> GuardRequest.Operation {
        .exec(path: "/bin/sh", argv: ["/bin/sh", "-c", script], cwd: "/var/task")
    }

    static func query(_ value: String) -> [Input] { [Input(location: "queryStringParameters.url", value: Array(value.utf8))] }

    @Test func noProcessButTheRuntimeUnlessARuleAllowsIt() throws {
        let judge = try Self.judge(Self.mitigate, mode: .mitigate)
        #expect(Self.decide(judge, Self.shell("curl --silent -L https://example.com/doc.pdf")).allowed)
        #expect(Self.decide(judge, .exec(path: "/usr/bin/convert", argv: ["/usr/bin/convert", "a.pdf", "a.png"], cwd: nil)).allowed)
        let denied = Self.decide(judge, .exec(path: "/usr/bin/id", argv: ["id"], cwd: nil))
        #expect(!denied.allowed && denied.errno == 1)
        #expect(denied.finding?.rule == "process.not-allowed" && denied.finding?.command == "id")
        #expect(Self.decide(judge, .exec(path: "/usr/bin/id", argv: ["id"], cwd: nil), invoking: false).allowed, "the runtime's own start is not judged")
    }

    @Test func anAllowedScriptMayStartItsPrograms() throws {
        let judge = try Self.judge(Self.mitigate, mode: .mitigate)
        let script = "curl --silent -L https://example.com/a"
        #expect(Self.decide(judge, Self.shell(script)).allowed)
        let child = Self.decide(judge, .exec(path: "/usr/bin/curl", argv: ["curl", "--silent", "-L", "https://example.com/a"], cwd: nil), arguments: ["/bin/sh", "-c", script])
        #expect(child.allowed, "curl started by the allowed shell")
        let stranger = Self.decide(judge, .exec(path: "/usr/bin/curl", argv: ["curl", "x"], cwd: nil), arguments: ["/bin/sh", "-c", "curl x"])
        #expect(!stranger.allowed)
    }

    @Test func anInjectedOperatorIsBlockedEvenWhenARuleMatches() throws {
        let judge = try Self.judge(#"{"behaviour": {"processes": {"allow": ["^curl --silent -L .*$"]}}}"#, mode: .mitigate)
        let url = "https://example.com/a; cat /etc/passwd #"
        let decision = Self.decide(judge, Self.shell("curl --silent -L " + url), inputs: Self.query(url))
        #expect(!decision.allowed)
        #expect(decision.finding?.rule == "process.input-injection")
        #expect(decision.finding?.correlation == InputCorrelation(location: "queryStringParameters.url", evidence: url, why: "shell operator ';' from input"))
        #expect(Self.decide(judge, Self.shell("curl --silent -L https://example.com/a"), inputs: Self.query("https://example.com/a")).allowed, "the benign URL")
    }

    @Test func reportModeAllowsAndRecords() throws {
        let judge = try Self.judge(Self.mitigate, mode: .report)
        let decision = Self.decide(judge, .exec(path: "/usr/bin/id", argv: ["id"], cwd: nil))
        #expect(decision.allowed && decision.finding?.blocked == false && decision.finding?.rule == "process.not-allowed")
        let off = try Self.judge(#"{"behaviour": {"processes": {"mode": "off"}}}"#, mode: .mitigate)
        #expect(Self.decide(off, .exec(path: "/usr/bin/id", argv: ["id"], cwd: nil)) == .allow)
    }

    @Test func filesFollowRulesThenTheDenyListsWithPathsResolved() throws {
        let judge = try Self.judge(#"{"behaviour": {"files": {"rules": [{"allow": "/var/task/cache/*"}, {"deny": "/etc/*"}]}}}"#, mode: .mitigate)
        func open(_ path: String, cwd: String? = "/var/task", writes: Bool = false) -> String? {
            Self.decide(judge, .open(path: path, cwd: cwd, writes: writes)).finding?.rule
        }
        #expect(open("/proc/self/environ") == "file.read-denied")
        #expect(open("/proc/1234/environ") == "file.read-denied")
        #expect(open("../../proc/./self/environ") == "file.read-denied", "relative and dotted paths are resolved first")
        #expect(open("/tmp/palisade/events.spill.jsonl") == "file.read-denied", "the agent's own files")
        #expect(open("/etc/hostname") == "file.denied")
        #expect(open("app.py") == nil)
        #expect(open("app.py", writes: true) == "file.write-protected")
        #expect(open("cache/x", writes: true) == nil, "an allow rule comes first")
        #expect(Self.decide(judge, .open(path: "/etc/hostname", cwd: nil, writes: false)).errno == 13)
    }

    @Test func aPathShapedByAnInputIsTracedToIt() throws {
        let judge = try Self.judge("{}", mode: .mitigate)
        let name = [Input(location: "queryStringParameters.name", value: Array("../../etc/passwd".utf8))]
        let traversal = Self.decide(judge, .open(path: "/var/task/docs/../../etc/passwd", cwd: nil, writes: false), inputs: name)
        #expect(traversal.finding?.rule == "file.input-injection" && traversal.finding?.correlation?.why == "'..' segment from input")
        let normalised = Self.decide(judge, .open(path: "/etc/passwd", cwd: nil, writes: false), inputs: name)
        #expect(normalised.finding?.correlation?.location == "queryStringParameters.name", "the caller resolved the path before opening it")
        let absolute = [Input(location: "queryStringParameters.name", value: Array("/etc/hosts".utf8))]
        #expect(Self.decide(judge, .open(path: "/etc/hosts", cwd: nil, writes: false), inputs: absolute).finding?.correlation?.why == "absolute path from input")
        let benign = [Input(location: "queryStringParameters.name", value: Array("report.txt".utf8))]
        #expect(Self.decide(judge, .open(path: "/var/task/docs/report.txt", cwd: nil, writes: false), inputs: benign) == .allow)
    }

    @Test func metadataCredentialsAndRuntimeAPIAreDeniedInEveryForm() throws {
        let judge = try Self.judge("{}", mode: .mitigate)
        func connect(_ address: String, _ port: Int) -> BehaviourDecision { Self.decide(judge, .connect(address: address, port: port, host: nil)) }
        #expect(connect("169.254.169.254", 80).finding?.rule == "network.metadata-endpoint")
        #expect(connect("::ffff:169.254.169.254", 80).finding?.rule == "network.metadata-endpoint", "IPv4-mapped IPv6")
        #expect(connect("fd00:ec2::254", 80).finding?.rule == "network.metadata-endpoint")
        #expect(connect("169.254.170.2", 80).finding?.rule == "network.metadata-endpoint")
        #expect(connect("127.0.0.1", 9001).finding?.rule == "network.runtime-api")
        #expect(connect("127.0.0.1", 9001).errno == 111)
        #expect(connect("127.0.0.1", 40123) == .allow, "the runtime's own connection to the proxy")
        #expect(connect("93.184.215.14", 443) == .allow)
        #expect(Self.decide(judge, .resolve(host: "169.254.169.254", port: 80)).finding?.rule == "network.metadata-endpoint")
    }

    @Test func anAllowListLetsOnlyItsDestinationsThrough() throws {
        let judge = try Self.judge(#"{"behaviour": {"network": {"allow": [{"host": "*.example.com", "port": 443}, {"cidr": "10.0.0.0/8"}], "deny": [{"cidr": "10.9.0.0/16"}]}}}"#, mode: .mitigate)
        func connect(_ address: String, _ port: Int, host: String? = nil) -> String? { Self.decide(judge, .connect(address: address, port: port, host: host)).finding?.rule }
        #expect(connect("10.1.2.3", 5432) == nil)
        #expect(connect("10.9.0.1", 5432) == "network.denied")
        #expect(connect("93.184.215.14", 443, host: "api.example.com") == nil, "the name the client resolved")
        #expect(connect("93.184.215.14", 80, host: "api.example.com") == "network.not-allowed", "wrong port")
        #expect(connect("93.184.215.14", 443) == "network.not-allowed")
        #expect(Self.decide(judge, .resolve(host: "api.example.com", port: 443)) == .allow)
        #expect(Self.decide(judge, .resolve(host: "evil.test", port: 443)).finding?.rule == "network.not-allowed")
    }

    @Test func aHostFromAnInputIsTracedButNotTheCallersOwnHost() throws {
        let judge = try Self.judge("{}", mode: .mitigate)
        let decision = Self.decide(judge, .resolve(host: "Internal.Corp", port: 80), inputs: Self.query("http://internal.corp/admin"))
        #expect(decision.finding?.rule == "network.input-injection" && !decision.allowed)
        let header = [Input(location: "headers.Host", value: Array("api.example.com".utf8))]
        #expect(Self.decide(judge, .resolve(host: "api.example.com", port: 443), inputs: header) == .allow)
    }
}

@Suite struct ShellCommandTests {
    @Test func findsTheScriptOfEveryShellSpelling() {
        #expect(ShellCommand(argv: ["/bin/sh", "-c", "ls"]).script == "ls")
        #expect(ShellCommand(argv: ["bash", "-lc", "ls", "arg0"]).script == "ls")
        #expect(ShellCommand(argv: ["/bin/busybox", "sh", "-e", "-c", "ls"]).script == "ls")
        #expect(ShellCommand(argv: ["python3", "-c", "print(1)"]).script == nil)
        #expect(ShellCommand(argv: ["sh", "script.sh"]).script == nil)
        #expect(ShellCommand(argv: ["curl", "-s", "x"]).commandLine == "curl -s x")
    }

    @Test func quotedOperatorsAreDataAndSubstitutionsAreLiveInDoubleQuotes() {
        let inputs = { (value: String) in [Input(location: "q", value: Array(value.utf8))] }
        func why(_ script: String, _ input: String) -> String? {
            InputCorrelation.command(ShellCommand(argv: ["sh", "-c", script]), argv: ["sh", "-c", script], inputs: inputs(input))?.why
        }
        #expect(why("echo 'a; b'", "a; b") == nil)
        #expect(why("echo \"a; b\"", "a; b") == nil)
        #expect(why("echo \"$(id)\"", "$(id)") == "command substitution '$(' from input")
        #expect(why("echo `id`", "`id`") == "command substitution '`' from input")
        #expect(why("echo x | sh", "x | sh") == "shell operator '|' from input")
        #expect(why("echo x\nid", "x\nid") == "shell operator 'newline' from input")
        #expect(why("echo x > /tmp/y", "x > /tmp/y") == "shell operator '>' from input")
        #expect(why("wget -q http://x", "wget -q http://x") == "program name 'wget' from input")
        #expect(why("echo hello", "hello") == nil)
        #expect(InputCorrelation.command(ShellCommand(argv: ["env"]), argv: ["env"], inputs: inputs("env"))?.why == "program name 'env' from input")
    }
}

@Suite struct GuardRequestTests {
    @Test func readsEveryOperationOfTheProtocol() throws {
        let exec = try GuardRequest(line: Array(#"{"v":1,"op":"exec","pid":12,"ppid":7,"source":"preload","path":"/bin/sh","argv":["sh","-c","curl -s http://x"],"cwd":"/var/task"}"#.utf8))
        #expect(exec == GuardRequest(operation: .exec(path: "/bin/sh", argv: ["sh", "-c", "curl -s http://x"], cwd: "/var/task"), pid: 12, ppid: 7))
        let open = try GuardRequest(line: Array(#"{"v":1,"op":"open","pid":12,"ppid":7,"source":"python","api":"open","path":"../x","cwd":"/var/task","access":"write","truncated":true}"#.utf8))
        #expect(open.operation == .open(path: "../x", cwd: "/var/task", writes: true) && open.source == "python" && open.api == "open" && open.truncated)
        let connect = try GuardRequest(line: Array(#"{"v":1,"op":"connect","pid":1,"ppid":0,"source":"node","address":"169.254.169.254","port":80,"host":"metadata"}"#.utf8))
        #expect(connect.operation == .connect(address: "169.254.169.254", port: 80, host: "metadata"))
        let resolve = try GuardRequest(line: Array(#"{"v":1,"op":"resolve","pid":1,"ppid":0,"source":"preload","host":"example.com"}"#.utf8))
        #expect(resolve.operation == .resolve(host: "example.com", port: nil))
        #expect(throws: GuardRequestError.self) { try GuardRequest(line: Array(#"{"v":2,"op":"exec"}"#.utf8)) }
        #expect(throws: GuardRequestError.self) { try GuardRequest(line: Array(#"{"v":1,"op":"chmod","pid":1}"#.utf8)) }
    }

    @Test func pathsResolveAgainstTheWorkingDirectory() {
        #expect(PathName.resolvingLinks("../../etc/passwd", cwd: "/var/task", pid: 0) == "/etc/passwd")
        #expect(PathName.resolvingLinks("docs/../../x", cwd: "/var/task", pid: 0) == "/var/x")
        #expect(PathName.resolvingLinks("/proc//self/./environ", cwd: nil, pid: 0) == "/proc/self/environ")
        #expect(PathName.resolvingLinks("../../../..", cwd: "/a", pid: 0) == "/")
    }

    @Test func aSymbolicLinkIsJudgedByItsTarget() throws {
        let files = FileManager.default
        let directory = files.temporaryDirectory.appendingPathComponent("palisade-links-\(UUID().uuidString.prefix(8))").path
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? files.removeItem(atPath: directory) }
        let up = String(repeating: "../", count: directory.split(separator: "/").count)
        try files.createSymbolicLink(atPath: directory + "/environ", withDestinationPath: "/proc/self/environ")
        try files.createSymbolicLink(atPath: directory + "/shadow", withDestinationPath: up + "etc/shadow")
        try files.createSymbolicLink(atPath: directory + "/chain.so", withDestinationPath: directory + "/shadow")
        try files.createSymbolicLink(atPath: directory + "/etc", withDestinationPath: "/etc")
        try files.createSymbolicLink(atPath: directory + "/me", withDestinationPath: "/proc/self")
        try files.createSymbolicLink(atPath: directory + "/new", withDestinationPath: directory + "/missing/file")

        let judge = try BehaviourJudgeTests.judge("{}", mode: .mitigate)
        let pid = ProcessInfo.processInfo.processIdentifier
        func open(_ path: String, cwd: String? = nil) -> BehaviourFinding? {
            judge.judge(GuardRequest(operation: .open(path: path, cwd: cwd, writes: false), pid: pid), invoking: true, inputs: { [] }, processArguments: { _ in nil }).finding
        }
        #expect(open(directory + "/environ")?.path == "/proc/self/environ")
        #expect(open(directory + "/environ")?.rule == "file.read-denied")
        #expect(open("shadow", cwd: directory)?.path == "/etc/shadow", "a relative link, from a relative path")
        #expect(open(directory + "/chain.so")?.rule == "file.read-denied", "a chain of links, named like code")
        #expect(open(directory + "/etc/../etc/shadow")?.path == "/etc/shadow", "a linked directory, '..' taken after the link")
        #expect(open(directory + "/me/environ")?.path == "/proc/self/environ", "/proc/self stays the asking process's")
        #expect(open(directory + "/new") == nil)
        #expect(PathName.resolvingLinks(directory + "/new", cwd: nil, pid: pid) == directory + "/missing/file", "a file to be created keeps its name")
        #expect(PathName.resolvingLinks("/proc/self/cwd/x", cwd: nil, pid: pid) == files.currentDirectoryPath + "/x", "/proc/self is the asking process")
    }
}
