import Foundation
import Testing
@testable import PalisadePosture

/// For every check in Checkov's expectations (Fixtures/expected.json), the Palisade check that lists
/// it as an equivalent gives the same verdict on every listed resource, run on the fixture directory
/// alone as the upstream tests do.
@Suite struct CheckovParityTests {
    struct Expectations: Decodable {
        struct Entry: Decodable, CustomTestStringConvertible {
            var fixture: String
            var check_id: String
            var files: [String: [Verdict]]

            var testDescription: String { "\(check_id) on \(fixture)" }
        }

        struct Verdict: Decodable {
            var resource: String
            var result: String
        }

        var expectations: [Entry]
    }

    /// CKV2_AWS_26 is a policy Checkov keeps for its tests only; its nearest shipped meaning is ours.
    static let testOnlyPolicies = ["CKV2_AWS_26": "PAL-FN-008"]

    /// Resources where Palisade answers differently on purpose. The upstream test-only policy reads
    /// `Tracing_config`, a key CloudFormation rejects; Palisade reads the real `TracingConfig`, so
    /// these functions have no tracing configuration and fail.
    static let divergences: [String: Finding.Status] = [
        "AWS::Lambda::Function.GoodLambdaFunction": .failed,
        "AWS::Lambda::Function.GoodLambdaFunctionWithRef": .failed,
    ]

    static func load() throws -> [Expectations.Entry] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(Expectations.self, from: data).expectations
    }

    @Test(arguments: try load())
    func sameVerdictAsCheckov(_ entry: Expectations.Entry) throws {
        let checkID = Self.testOnlyPolicies[entry.check_id]
            ?? CheckRegistry.all.first { $0.equivalents.contains(entry.check_id) }?.id
        let check = try #require(checkID.flatMap(CheckRegistry.check(id:)), "no Palisade check for \(entry.check_id)")
        // Checkov's runtime table froze when CKV_AWS_363 was written (nodejs18.x still supported);
        // the fixtures are judged as of that time. `DeprecatedRuntimeCheckTests` covers today.
        let scanner = Scanner(checks: [check], context: CheckContext(asOf: "2024-01-01"), environment: ["sneaky_var": "*"])
        let report = scanner.scan(paths: [fixtures.appendingPathComponent(entry.fixture).path])
        #expect(report.errors.isEmpty, "\(report.errors)")
        for (file, expected) in entry.files {
            let path = fixtures.appendingPathComponent(file).path
            let ours = verdicts(report.findings.filter { $0.file == path })
            var wanted: [String: Finding.Status] = [:]
            for verdict in expected {
                wanted[verdict.resource] = Self.divergences[verdict.resource] ?? (verdict.result == "PASSED" ? .passed : .failed)
            }
            #expect(ours == wanted, "\(entry.check_id) → \(check.id) on \(file)")
        }
    }

    /// Checkov misses an `Action: "*"` in v3's `provider.iam.role.statements`; Palisade reads it.
    @Test func catchesServerlessV3RoleStatements() throws {
        let text = """
        service: v3
        provider:
          name: aws
          runtime: python3.12
          iam:
            role:
              statements:
                - Effect: Allow
                  Action: "*"
                  Resource: "*"
        functions:
          myFunc:
            handler: handler.main
        """
        #expect(verdicts(try results(of: WildcardActionCheck(), in: text, file: "/v3/serverless.yml")) == ["myFunc": .failed])
        #expect(verdicts(try results(of: AdminPolicyCheck(), in: text, file: "/v3/serverless.yml")) == ["myFunc": .failed])
    }

    /// Checkov gives no verdict where the policy is behind an `Fn::If` over an `Fn::Sub` string, or
    /// where the principal is an account rather than a service; neither does Palisade.
    @Test func unknownStaysUnknown() {
        let scanner = Scanner(checks: [WildcardActionCheck(), ServicePermissionSourceCheck()], context: CheckContext(asOf: "2024-01-01"))
        let report = scanner.scan(paths: [
            fixtures.appendingPathComponent("checkov/cloudformation/IAMStarActionPolicyDocument/iam_role.unknown.yaml").path,
            fixtures.appendingPathComponent("checkov/cloudformation/LambdaServicePermission/LambdaServicePermission_Pass.yml").path,
        ])
        let resources = Set(report.findings.map(\.resource))
        #expect(!resources.contains("AWS::IAM::Role.RootRole"))
        #expect(!resources.contains("AWS::Lambda::Permission.FunctionStringPrincipallPermission"))
        #expect(resources.contains("AWS::Lambda::Permission.FunctionPassingArnPermission"))
    }
}
