import PalisadeDetect
import PalisadePolicy
import Testing

@Suite struct PolicyParsingTests {
    @Test func readsEverySetting() throws {
        let policy = try Policy(json: Array("""
        {
          "version": 1,
          "mode": "report",
          "protections": {"cmdi": "mitigate", "xss": "off", "credential-leak": "mitigate"},
          "exceptions": [{"location": "queryStringParameters.q", "pattern": "*SELECT*", "protections": ["sqli"]}],
          "secrets": ["DB_PASSWORD"],
          "tmpCleanup": {"enabled": true, "keep": ["/tmp/cache*"]},
          "functions": [{"name": "orders-*", "mode": "mitigate", "protections": {"xss": "report"}}]
        }
        """.utf8))
        #expect(policy.base.mode == .report)
        #expect(policy.base.protections[.attack(.cmdi)] == .mitigate)
        #expect(policy.base.protections[.credentialLeak] == .mitigate)
        #expect(policy.base.exceptions == [PolicyException(location: Glob("queryStringParameters.q"), pattern: Glob("*SELECT*"), protections: [.attack(.sqli)])])
        #expect(policy.base.secrets == ["DB_PASSWORD"])
        #expect(policy.base.tmpCleanup == TmpCleanup(enabled: true, keep: [Glob("/tmp/cache*")]))
        #expect(policy.functions.count == 1)
    }

    @Test func collectsEveryIssueWithItsPath() {
        let text = """
        {"version": 2, "mode": "block", "protections": {"sqlx": "report", "xss": 3},
         "exceptions": [{"pattern": "x"}], "functions": [{"mode": "off"}], "extra": true}
        """
        do {
            _ = try Policy(json: Array(text.utf8))
            Issue.record("a broken policy was accepted")
        } catch {
            let found = error.issues.map { "\($0.code.rawValue) \($0.path)" }
            #expect(found.contains("policy.unsupported_version version"))
            #expect(found.contains("policy.unknown_mode mode"))
            #expect(found.contains("policy.unknown_protection protections.sqlx"))
            #expect(found.contains("policy.wrong_type protections.xss"))
            #expect(found.contains("policy.missing_key exceptions[0].location"))
            #expect(found.contains("policy.missing_key functions[0].name"))
            #expect(found.contains("policy.unknown_key extra"))
        }
    }

    @Test func rejectsTextThatIsNotJSON() {
        #expect(throws: PolicyError.self) { try Policy(json: Array("mode: mitigate".utf8)) }
    }
}

@Suite struct PolicyResolutionTests {
    static let finding = Finding(category: .sqli, rule: "sqli.tautology", message: "", location: "queryStringParameters.q", evidence: "' OR 1=1--")

    @Test func functionRulesOverlayTheDefaults() throws {
        let policy = try Policy(json: Array("""
        {"mode": "report", "protections": {"cmdi": "mitigate"},
         "functions": [{"name": "orders-*", "mode": "mitigate", "protections": {"cmdi": "off"}},
                       {"name": "*", "mode": "off"}]}
        """.utf8))
        let orders = policy.resolved(functionName: "orders-api")
        #expect(orders.mode(for: .attack(.sqli)) == .mitigate)
        #expect(orders.mode(for: .attack(.cmdi)) == .off)
        let other = policy.resolved(functionName: "billing")
        #expect(other.mode(for: .attack(.sqli)) == .off)
        #expect(other.mode(for: .attack(.cmdi)) == .mitigate)
    }

    @Test func environmentModeSetsTheDefaultButNotExplicitProtections() throws {
        let policy = try Policy(json: Array(#"{"mode": "report", "protections": {"xss": "off"}}"#.utf8))
        let effective = policy.resolved(functionName: "f", defaultMode: .mitigate)
        #expect(effective.mode(for: .attack(.sqli)) == .mitigate)
        #expect(effective.mode(for: .attack(.xss)) == .off)
        #expect(!effective.activeCategories.contains(.xss))
    }

    @Test func exceptionsSilenceMatchingFindingsOnly() throws {
        let policy = try Policy(json: Array("""
        {"mode": "mitigate", "exceptions": [{"location": "queryStringParameters.*", "pattern": "*OR 1=1*", "protections": ["sqli"]}]}
        """.utf8)).resolved(functionName: "f")
        #expect(policy.mode(for: Self.finding) == .off)
        var elsewhere = Self.finding
        elsewhere.location = "body.q"
        #expect(policy.mode(for: elsewhere) == .mitigate)
        var otherCategory = Self.finding
        otherCategory.category = .xss
        #expect(policy.mode(for: otherCategory) == .mitigate)
    }
}

@Suite struct PolicyLoaderTests {
    @Test func defaultsToReportWithoutAnyPolicy() {
        let loaded = PolicyLoader(environment: [:]).load()
        #expect(loaded.source == "default")
        #expect(loaded.problems.isEmpty)
        #expect(loaded.policy.mode(for: .attack(.cmdi)) == .report)
    }

    @Test func modeVariableAloneSetsEveryProtection() {
        let loaded = PolicyLoader(environment: ["PALISADE_MODE": "mitigate"]).load()
        #expect(Protection.all.allSatisfy { loaded.policy.mode(for: $0) == .mitigate })
    }

    @Test func inlinePolicyWinsOverFile() {
        let loaded = PolicyLoader(environment: [
            "PALISADE_POLICY": #"{"mode": "off"}"#, "PALISADE_POLICY_FILE": "/nonexistent/policy.json",
        ]).load()
        #expect(loaded.source == "PALISADE_POLICY")
        #expect(loaded.policy.mode(for: .attack(.sqli)) == .off)
    }

    @Test func brokenPolicyFallsBackToTheSafeDefaultWithAReason() {
        let loaded = PolicyLoader(environment: ["PALISADE_POLICY": #"{"mode": "block"}"#, "PALISADE_MODE": "bogus"]).load()
        #expect(loaded.source == "default")
        #expect(loaded.policy.mode(for: .attack(.sqli)) == .report)
        #expect(loaded.problems.count == 2)
        #expect(loaded.problems.contains { $0.contains("policy.unknown_mode") })
    }

    @Test func unreadableFileIsAProblemNotACrash() {
        let loaded = PolicyLoader(environment: ["PALISADE_POLICY_FILE": "/nonexistent/policy.json"]).load()
        #expect(loaded.problems.first?.contains("file.open") == true)
    }
}

@Suite struct GlobTests {
    @Test(arguments: [
        ("orders-*", "orders-api", true), ("orders-*", "order-api", false), ("*", "", true),
        ("Records[*].body", "Records[12].body", true), ("a?c", "abc", true), ("a?c", "ac", false),
        ("*x*y*", "aaxbbybb", true), ("*x*y", "aaxbbybb", false),
    ])
    func matches(pattern: String, text: String, expected: Bool) {
        #expect(Glob(pattern).matches(text) == expected)
    }
}

@Suite struct BehaviourPolicyTests {
    @Test func readsTheBehaviourSectionAndFunctionOverrides() throws {
        let policy = try Policy(json: Array(#"""
        {"mode": "report",
         "behaviour": {
           "processes": {"mode": "mitigate", "allow": ["^/usr/bin/curl --silent -L \\S+$"]},
           "files": {"readDeny": ["/proc/*/environ"], "writeProtect": ["/var/task/*"], "rules": [{"allow": "/tmp/*"}, {"deny": "/etc/*"}]},
           "network": {"allow": [{"host": "api.example.com", "port": 443}, {"cidr": "10.0.0.0/8"}], "deny": [{"cidr": "169.254.169.254/32"}]}},
         "functions": [{"name": "batch-*", "behaviour": {"processes": {"mode": "off"}, "network": {"mode": "mitigate"}}}]}
        """#.utf8))
        let behaviour = policy.base.behaviour
        #expect(behaviour.processes == ProcessRules(mode: .mitigate, allow: [#"^/usr/bin/curl --silent -L \S+$"#]))
        #expect(behaviour.files.rules == [FileRule(allows: true, pattern: Glob("/tmp/*")), FileRule(allows: false, pattern: Glob("/etc/*"))])
        #expect(behaviour.network.allow == [NetworkRule(host: Glob("api.example.com"), port: 443), NetworkRule(cidr: CIDR("10.0.0.0/8"))])
        let api = policy.resolved(functionName: "api")
        #expect(api.mode(for: .behaviour(.process)) == .mitigate)
        #expect(api.mode(for: .behaviour(.file)) == .report, "an unset part follows the policy's mode")
        let batch = policy.resolved(functionName: "batch-nightly", defaultMode: .report)
        #expect(batch.mode(for: .behaviour(.process)) == .off)
        #expect(batch.mode(for: .behaviour(.network)) == .mitigate)
        #expect(batch.behaviour.processes.allow == behaviour.processes.allow, "what the rule leaves out is inherited")
        #expect(Policy().resolved(functionName: "x", defaultMode: .mitigate).mode(for: .behaviour(.network)) == .mitigate, "PALISADE_MODE when the policy says nothing")
    }

    @Test func reportsEveryBehaviourIssueWithItsPath() {
        let text = #"""
        {"behaviour": {"processes": {"allow": ["(unclosed", ""], "extra": 1},
                       "files": {"rules": [{"allow": "/tmp/*", "deny": "/etc/*"}], "readDeny": [""]},
                       "network": {"mode": "strict", "allow": [{"cidr": "10.0.0.0/33"}, {"host": "x", "port": 70000}, {"port": 443}]},
                       "shell": {}}}
        """#
        do {
            _ = try Policy(json: Array(text.utf8))
            Issue.record("a broken behaviour section was accepted")
        } catch {
            let found = Set(error.issues.map { "\($0.code.rawValue) \($0.path)" })
            #expect(found.isSuperset(of: [
                "policy.invalid_regex behaviour.processes.allow[0]",
                "policy.empty_pattern behaviour.processes.allow[1]",
                "policy.unknown_key behaviour.processes.extra",
                "policy.wrong_type behaviour.files.rules[0]",
                "policy.empty_pattern behaviour.files.readDeny[0]",
                "policy.unknown_mode behaviour.network.mode",
                "policy.invalid_cidr behaviour.network.allow[0].cidr",
                "policy.invalid_port behaviour.network.allow[1].port",
                "policy.missing_key behaviour.network.allow[2]",
                "policy.unknown_key behaviour.shell",
            ]), "\(found.sorted())")
            #expect(error.issues.first { $0.code == .invalidRegex }?.message.contains("missing closing parenthesis") == true)
        }
    }

    @Test func cidrsMatchIPv4IPv6AndMappedAddresses() throws {
        let v4 = try #require(CIDR("169.254.0.0/16"))
        #expect(v4.contains(try #require(CIDR.bytes(of: "169.254.169.254"))))
        #expect(v4.contains(try #require(CIDR.bytes(of: "::ffff:169.254.1.1"))))
        #expect(v4.contains(try #require(CIDR.bytes(of: "0xA9FEA9FE"))), "every inet_aton spelling")
        #expect(!v4.contains(try #require(CIDR.bytes(of: "169.255.0.1"))))
        let v6 = try #require(CIDR("fd00:ec2::/32"))
        #expect(v6.contains(try #require(CIDR.bytes(of: "fd00:ec2::254"))))
        #expect(!v6.contains(try #require(CIDR.bytes(of: "fd00:ec3::254"))))
        #expect(CIDR("10.0.0.0/33") == nil && CIDR("example.com") == nil && CIDR.bytes(of: "example.com") == nil)
        #expect(try #require(CIDR("0.0.0.0/0")).contains(try #require(CIDR.bytes(of: "8.8.8.8"))))
    }
}
