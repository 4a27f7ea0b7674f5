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
