import PalisadeAgent
import PalisadeJSON
import PalisadePolicy
import PalisadeSystem
import Testing

@Suite struct ResponseGuardTests {
    static let environment = [
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+value==",
        "DB_PASSWORD": "correct-horse-battery",
    ]
    static let http = InvocationFacts(requestID: "r", function: "f", trigger: .httpAPIV2)
    static let direct = InvocationFacts(requestID: "r", function: "f", trigger: .direct)

    static func guarding(_ mode: Mode, secrets: [String] = []) -> ResponseGuard {
        ResponseGuard(policy: EffectivePolicy(settings: PolicySettings(mode: mode, secrets: secrets)), environment: environment)
    }

    @Test(arguments: [
        #"{"statusCode":200,"body":"{\"key\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}"}"#,
        #"{"statusCode":200,"body":"{\"key\":\"wJalrXUtnFEMI\\/K7MDENG\\/bPxRfiCYEXAMPLEKEY\"}"}"#,
        #"{"statusCode":200,"body":"id=AKIAIOSFODNN7EXAMPLE"}"#,
    ])
    func credentialsInAnHTTPResponseAreWithheld(response: String) throws {
        let decision = Self.guarding(.mitigate).inspect(Array(response.utf8), facts: Self.http)
        guard case .replace(let replacement) = decision.action else {
            Issue.record("not withheld: \(decision.action)")
            return
        }
        let text = String(decoding: replacement, as: UTF8.self)
        #expect(!text.contains("wJalrXUtnFEMI") && !text.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(decision.events.first?.protection == .credentialLeak)
        #expect(decision.events.first?.evidence.contains("wJalr") == false, "the event must not repeat the secret")
    }

    @Test func policySecretInADirectResponseFailsTheInvocation() {
        let decision = Self.guarding(.mitigate, secrets: ["DB_PASSWORD"]).inspect(Array(#"{"password":"correct-horse-battery"}"#.utf8), facts: Self.direct)
        guard case .fail(let type, _) = decision.action else {
            Issue.record("not withheld: \(decision.action)")
            return
        }
        #expect(type == ResponseGuard.withheldErrorType)
    }

    @Test func lookalikesAndReportModePass() {
        let lookalike = Self.guarding(.mitigate).inspect(Array(#"{"statusCode":200,"body":"XAKIAIOSFODNN7EXAMPLEX"}"#.utf8), facts: Self.http)
        #expect(lookalike.action == .pass && lookalike.events.isEmpty)
        let reported = Self.guarding(.report).inspect(Array(#"{"k":"AKIAIOSFODNN7EXAMPLE"}"#.utf8), facts: Self.direct)
        #expect(reported.action == .pass)
        #expect(reported.events.map(\.action) == [.reported])
    }

    @Test(arguments: [
        ("Traceback (most recent call last):\n  File \"/var/task/app.py\", line 3\nKeyError: 'x'", "error.python-traceback"),
        ("TypeError: x is null\n    at Object.<anonymous> (/var/task/index.js:3:9)", "error.node-stack"),
        ("java.lang.NullPointerException\n\tat com.example.Handler.handle(Handler.java:12)", "error.java-stack"),
    ])
    func stackTracesIn5xxAreMasked(trace: String, rule: String) throws {
        let response = #"{"statusCode":502,"headers":{"X-Debug":"1"},"body":\#(JSONEscapes.quoted(trace))}"#
        let decision = Self.guarding(.mitigate).inspect(Array(response.utf8), facts: Self.http)
        guard case .replace(let replacement) = decision.action else {
            Issue.record("not masked: \(decision.action)")
            return
        }
        let root = try JSONDocument(bytes: replacement).root
        #expect(String(decoding: try #require(root["statusCode"]).stringBytes, as: UTF8.self) == "502")
        #expect(root["body"]?.string?.contains(decision.events.first?.incident ?? "?") == true)
        #expect(decision.events.first?.rule == rule)
    }

    @Test func stackTraceIn200IsLeftAlone() {
        let decision = Self.guarding(.mitigate).inspect(Array(#"{"statusCode":200,"body":"Traceback (most recent call last)"}"#.utf8), facts: Self.http)
        #expect(decision.action == .pass)
    }

    @Test func streamedChunksAreRedactedInPlace() {
        var chunk = Array("token=IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+value==;".utf8)
        let found = Self.guarding(.mitigate).redact(&chunk)
        #expect(found == "AWS_SESSION_TOKEN")
        #expect(String(decoding: chunk, as: UTF8.self) == "token=" + String(repeating: "*", count: 37) + ";")
    }
}

extension ResponseGuardTests {
    @Test func base64BodyIsDecodedBeforeTheCheck() {
        let body = Base64.encode(Array("secret: correct-horse-battery".utf8))
        let response = #"{"statusCode":200,"body":"\#(body)","isBase64Encoded":true}"#
        let decision = Self.guarding(.mitigate, secrets: ["DB_PASSWORD"]).inspect(Array(response.utf8), facts: Self.http)
        #expect(decision.events.map(\.rule) == ["secret.DB_PASSWORD"])
    }
}
