import PalisadeAgent
import PalisadeDetect
import PalisadeJSON
import PalisadePolicy
import Testing

@Suite struct InvocationGuardTests {
    static let detector = Detector()
    static let mitigate = InvocationGuard(policy: .fallback(mode: .mitigate))

    static func decide(_ text: String, guard invocationGuard: InvocationGuard = mitigate) throws -> InvocationDecision {
        let event = Array(text.utf8)
        let verdict = try detector.inspect(event: event)
        let facts = InvocationFacts(requestID: "r-1", function: "f", verdict: verdict, event: try JSONDocument(bytes: event))
        return invocationGuard.decide(verdict, event: event, facts: facts)
    }

    static let restAttack = #"{"resource":"/","path":"/","httpMethod":"GET","headers":{},"queryStringParameters":{"cmd":";cat /etc/passwd"},"requestContext":{"identity":{"sourceIp":"198.51.100.7"}},"body":null}"#

    @Test func httpAttackIsAnswered403InTheTriggersShape() throws {
        let decision = try Self.decide(Self.restAttack)
        guard case .answer(let body) = decision.action else {
            Issue.record("expected an answer, got \(decision.action)")
            return
        }
        let root = try JSONDocument(bytes: body).root
        #expect(String(decoding: try #require(root["statusCode"]).stringBytes, as: UTF8.self) == "403")
        let incident = try JSONDocument(try #require(root["body"]?.string)).root["incidentId"]?.string
        #expect(incident == decision.events.first?.incident)
        #expect(decision.events.allSatisfy { $0.action == .blocked && $0.sourceIP == "198.51.100.7" })
    }

    @Test func albAnswerCarriesAStatusDescriptionAndMultiValueHeadersWhenAsked() throws {
        let alb = #"{"requestContext":{"elb":{"targetGroupArn":"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},"httpMethod":"GET","path":"/","multiValueQueryStringParameters":{"q":["' OR 1=1--"]},"multiValueHeaders":{"x-forwarded-for":["192.0.2.1"]},"body":"","isBase64Encoded":false}"#
        let decision = try Self.decide(alb)
        guard case .answer(let body) = decision.action else {
            Issue.record("expected an answer, got \(decision.action)")
            return
        }
        let root = try JSONDocument(bytes: body).root
        #expect(root["statusDescription"]?.string == "403 Forbidden")
        #expect(root["multiValueHeaders"]?.kind == .object)
    }

    @Test func reportModeRecordsButPasses() throws {
        let decision = try Self.decide(Self.restAttack, guard: InvocationGuard(policy: .fallback(mode: .report)))
        #expect(decision.action == .pass)
        #expect(!decision.events.isEmpty && decision.events.allSatisfy { $0.action == .reported })
    }

    @Test func poisonedRecordsAreTakenOutOfTheBatch() throws {
        let sqs = #"{"Records": [{"messageId":"a","body":"fine","eventSource":"aws:sqs"} , {"messageId":"b","body":"x' UNION SELECT password FROM users--","eventSource":"aws:sqs"},{"messageId":"c","body":"also fine","eventSource":"aws:sqs"}]}"#
        let decision = try Self.decide(sqs)
        guard case .forward(let event) = decision.action else {
            Issue.record("expected a filtered batch, got \(decision.action)")
            return
        }
        let records = try JSONDocument(bytes: event).root["Records"]?.elements.compactMap { $0["messageId"]?.string }
        #expect(records == ["a", "c"])
        #expect(decision.events.allSatisfy { $0.record == 1 })
    }

    @Test func otherTriggersFailWithAClearErrorType() throws {
        let eventBridge = #"{"version":"0","id":"1","detail-type":"Order","source":"shop","account":"1","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"path":"../../../../etc/passwd"}}"#
        let decision = try Self.decide(eventBridge)
        guard case .fail(let type, let body) = decision.action else {
            Issue.record("expected a failed invocation, got \(decision.action)")
            return
        }
        #expect(type == InvocationGuard.blockedErrorType)
        #expect(try JSONDocument(bytes: body).root["errorMessage"]?.string?.contains("traversal") == true)
    }

    @Test func switchedOffCategoryRaisesNothing() throws {
        let policy = try Policy(json: Array(#"{"mode": "mitigate", "protections": {"cmdi": "off", "traversal": "off"}}"#.utf8))
        let decision = try Self.decide(Self.restAttack, guard: InvocationGuard(policy: policy.resolved(functionName: "f")))
        #expect(decision.action == .pass)
        #expect(decision.events.allSatisfy { $0.protection != .attack(.cmdi) && $0.protection != .attack(.traversal) })
    }
}
