import Foundation
import Testing
@testable import PalisadePosture

/// `palisade audit` against moto's server on loopback, seeded by Fixtures/audit/seed_moto.py.
@Suite struct AuditTests {
    /// Seeds moto and returns its endpoint; the caller stops the service.
    static func startMoto() throws -> (PythonService, URL) {
        let service = try PythonService([fixtures.appendingPathComponent("audit/seed_moto.py").path])
        guard let port = Int(service.firstLine) else {
            service.stop()
            throw PostureError(.network, "moto did not start (is moto[server] installed? scripts/setup installs it): \(service.firstLine)")
        }
        return (service, URL(string: "http://127.0.0.1:\(port)")!)
    }

    @Test func liveAccountChecks() throws {
        let (moto, endpoint) = try Self.startMoto()
        defer { moto.stop() }
        let client = AWSClient(credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"), region: "us-east-1", endpoint: endpoint)
        let (inventory, warnings) = try AccountAuditor(client: client).inventory()
        #expect(Set(inventory.functions.compactMap(\.name.text)) == ["orders", "uploads", "reports", "catalog"])
        // moto has no CloudTrail LookupEvents, so the console-created check reports why it was skipped.
        #expect(warnings.allSatisfy { $0.message.contains("CloudTrail") })
        let findings = Scanner(context: CheckContext(asOf: "2026-11-23")).evaluate(inventory)
        func status(_ check: String, _ suffix: String) -> Finding.Status? {
            findings.first { $0.checkID == check && $0.resource.hasSuffix(suffix) }?.status
        }
        let account = "arn:aws:lambda:us-east-1:123456789012:function:"
        #expect(status("PAL-IAM-001", "role/shared-role") == .failed)
        #expect(status("PAL-IAM-002", "role/shared-role") == .failed)
        #expect(status("PAL-IAM-001", "role/reports-role") == .passed)
        #expect(status("PAL-IAM-003", account + "orders") == .failed)
        #expect(status("PAL-IAM-003", account + "uploads") == .failed)
        #expect(status("PAL-IAM-003", account + "reports") == .passed)
        #expect(status("PAL-FN-001", account + "uploads") == .failed)
        #expect(status("PAL-FN-001", account + "reports") == .passed)
        #expect(status("PAL-FN-002", account + "orders") == .failed)
        #expect(status("PAL-FN-003", account + "orders") == .failed)
        #expect(status("PAL-FN-003", account + "uploads") == .passed)
        #expect(status("PAL-FN-005", account + "reports") == .passed)
        #expect(status("PAL-FN-006", account + "reports") == .passed)
        #expect(status("PAL-FN-006", account + "orders") == .failed)
        #expect(status("PAL-FN-008", account + "reports") == .passed)
        #expect(status("PAL-LOG-001", account + "reports") == .passed)
        #expect(status("PAL-LOG-001", account + "uploads") == .failed)
        #expect(status("PAL-URL-001", account + "uploads#url") == .failed)
        #expect(status("PAL-URL-002", account + "uploads") == .failed)
        #expect(status("PAL-PERM-001", "uploads#permission/s3-invoke") == .failed)
        #expect(status("PAL-PERM-001", "reports#permission/nightly") == .passed)
    }

    @Test func publicBucketACLs() throws {
        let (moto, endpoint) = try Self.startMoto()
        defer { moto.stop() }
        let client = AWSClient(credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"), region: "us-east-1", endpoint: endpoint)
        let (inventory, _) = try AccountAuditor(client: client).inventory()
        #expect(Dictionary(uniqueKeysWithValues: inventory.buckets.map { ($0.ref.id, $0.accessControl.text ?? "") }) == [
            "arn:aws:s3:::public-assets": "PublicRead", "arn:aws:s3:::public-dropbox": "PublicReadWrite",
            "arn:aws:s3:::private-data": "Private", "arn:aws:s3:::blocked-assets": "Private",
        ])
        let findings = Scanner(checks: try CheckRegistry.select(["PAL-S3-001"]), context: CheckContext(asOf: "2026-11-23")).evaluate(inventory)
        #expect(Dictionary(uniqueKeysWithValues: findings.map { ($0.resource, $0.status) }) == [
            "arn:aws:s3:::public-assets": .failed, "arn:aws:s3:::public-dropbox": .failed,
            "arn:aws:s3:::private-data": .passed, "arn:aws:s3:::blocked-assets": .passed,
        ])
    }

    @Test func apiGatewayRoutes() throws {
        let (moto, endpoint) = try Self.startMoto()
        defer { moto.stop() }
        let client = AWSClient(credentials: AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"), region: "us-east-1", endpoint: endpoint)
        let auditor = AccountAuditor(client: client)
        let account = "arn:aws:lambda:us-east-1:123456789012:function:"
        let routes = try auditor.apiRoutes()
        #expect(Set(routes.map { "\($0.trigger) \($0.name) -> \($0.function ?? "none")" }) == [
            "apiGatewayV1 GET /orders -> \(account)orders", "apiGatewayV1 POST /admin -> \(account)orders",
            "apiGatewayV1 GET /reports -> \(account)orders", "httpApiV2 POST /upload -> \(account)uploads",
            "httpApiV2 GET /status -> \(account)catalog", "httpApiV2 GET /ping -> \(account)catalog",
        ])
        let (inventory, _) = try auditor.inventory()
        let findings = Scanner(checks: try CheckRegistry.select(["PAL-API-001", "PAL-FN-001"]), context: CheckContext(asOf: "2026-11-23")).evaluate(inventory)
        func status(_ check: String, _ resource: String) -> Finding.Status? {
            findings.first { $0.checkID == check && $0.resource == resource }?.status
        }
        // Each method or route on its own: open, authorized (IAM, JWT) or limited (usage plan, stage throttling).
        let verdicts = Dictionary(uniqueKeysWithValues: routes.map { ($0.name, status("PAL-API-001", $0.method.ref.id)) })
        #expect(verdicts == ["GET /orders": .failed, "POST /admin": .passed, "GET /reports": .passed,
                             "POST /upload": .failed, "GET /status": .passed, "GET /ping": .passed])
        // Each function through the routes that call it.
        #expect(status("PAL-API-001", account + "orders") == .failed)
        #expect(findings.first { $0.checkID == "PAL-API-001" && $0.resource == account + "orders" }?.message.contains("GET /orders") == true)
        #expect(status("PAL-API-001", account + "uploads") == .failed)
        #expect(status("PAL-API-001", account + "catalog") == .passed)
        #expect(status("PAL-API-001", account + "reports") == nil)
        #expect(status("PAL-FN-001", account + "catalog") == .passed)
    }

    @Test func lambdaIntegrationURIs() {
        let function = "arn:aws:lambda:eu-west-1:111122223333:function:orders"
        #expect(AccountAuditor.functionArn(fromIntegrationUri: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/\(function)/invocations") == function)
        #expect(AccountAuditor.functionArn(fromIntegrationUri: function + ":live") == function)
        #expect(AccountAuditor.functionArn(fromIntegrationUri: "https://backend.example.com/orders") == nil)
    }

    @Test func cannedACLFromGrants() {
        let owner = ["ID": "abc", "Permission": "FULL_CONTROL"]
        #expect(AccountAuditor.cannedACL(grants: [owner]) == "Private")
        #expect(AccountAuditor.cannedACL(grants: [owner, ["URI": AccountAuditor.allUsers, "Permission": "READ"]]) == "PublicRead")
        #expect(AccountAuditor.cannedACL(grants: [owner, ["URI": AccountAuditor.allUsers, "Permission": "WRITE"]]) == "PublicReadWrite")
        #expect(AccountAuditor.cannedACL(grants: [owner, ["URI": AccountAuditor.authenticatedUsers, "Permission": "READ"]]) == "AuthenticatedRead")
    }

    @Test func auditCommandAgainstMoto() throws {
        let (moto, endpoint) = try Self.startMoto()
        defer { moto.stop() }
        let run = try CommandEndToEndTests.palisade(
            ["audit", "--region", "us-east-1", "--endpoint-url", endpoint.absoluteString, "--format", "json", "--check", "PAL-IAM-003", "--fail-on", "medium"],
            environment: ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_PROFILE": "palisade-none"])
        #expect(run.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let failed = (document["results"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "failed" }
        #expect(Set(failed.compactMap { ($0["resource"] as? String)?.split(separator: ":").last.map(String.init) }) == ["orders", "uploads"])
    }

    /// The signature from AWS's published SigV4 test suite ("get-vanilla").
    @Test func sigV4MatchesAWSTestSuite() throws {
        var signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                 region: "us-east-1", service: "service")
        signer.signsPayloadHash = false
        let date = try #require(ISO8601DateFormatter().date(from: "2015-08-30T12:36:00Z"))
        let headers = signer.headers(method: "GET", url: URL(string: "https://example.amazonaws.com/")!, headers: [:], body: Data(), date: date)
        let authorization = try #require(headers["authorization"])
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func cloudTrailConsoleCreation() {
        let console = #"{"eventName":"CreateFunction20150331","userAgent":"console.amazonaws.com","requestParameters":{"functionName":"hand-made"}}"#
        let pipeline = #"{"eventName":"CreateFunction20150331","userAgent":"aws-cli/2.15.0 Python/3.11","requestParameters":{"functionName":"deployed"}}"#
        #expect(AccountAuditor.creation(fromCloudTrailEvent: console).map { "\($0.0) \($0.1)" } == "hand-made true")
        #expect(AccountAuditor.creation(fromCloudTrailEvent: pipeline).map { "\($0.0) \($0.1)" } == "deployed false")
    }

    @Test func credentialChain() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = secret\n\n[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = other\n"
            .write(to: home.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try "[profile ci]\nregion = eu-west-1\n".write(to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        #expect(try AWSCredentials.resolve(environment: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"], home: home).accessKeyID == "AKIDENV")
        #expect(try AWSCredentials.resolve(environment: [:], home: home).accessKeyID == "AKIDFILE")
        #expect(try AWSCredentials.resolve(environment: ["AWS_PROFILE": "ci"], home: home).accessKeyID == "AKIDCI")
        #expect(AWSCredentials.region(nil, environment: ["AWS_PROFILE": "ci"], home: home) == "eu-west-1")
        #expect(throws: PostureError.self) { try AWSCredentials.resolve(environment: ["AWS_PROFILE": "none"], home: home) }
    }
}
