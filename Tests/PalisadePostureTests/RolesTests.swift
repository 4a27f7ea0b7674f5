import Foundation
import Testing
@testable import PalisadePosture

/// The sample functions under Fixtures/roles; each expected list was written by reading the code.
@Suite struct RolesTests {
    static let roles = fixtures.appendingPathComponent("roles")
    static let logs = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]

    static func analyse(_ directory: String, function: String? = nil) throws -> RoleAnalysis {
        try RoleAnalysis.run(codeDirectory: roles.appendingPathComponent(directory).path, templatePath: nil, functionID: function,
                             models: try ServiceModels.locate())
    }

    @Test func pythonBoto3ClientsAndResources() throws {
        let analysis = try Self.analyse("python-orders/src")
        #expect(analysis.policy.actions == (["dynamodb:GetItem", "dynamodb:PutItem", "s3:PutObject", "secretsmanager:GetSecretValue", "sqs:SendMessage"] + Self.logs).sorted())
        let policy = RoleFormat.policy.render(analysis.policy, region: "eu-west-1", account: "111122223333")
        #expect(policy.contains("arn:aws:dynamodb:eu-west-1:111122223333:table/orders"))
        #expect(policy.contains("arn:aws:sqs:eu-west-1:111122223333:order-events"))
        #expect(policy.contains("arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/audit-key-*"))
        #expect(policy.contains("arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/orders-api:*"))
        let snippet = RoleFormat.cloudformation.render(analysis.policy, region: nil, account: nil)
        #expect(snippet.contains("!Sub \"arn:${AWS::Partition}:s3:::${ReceiptsBucket}/*\""))
        let parsed = try YAMLReader.parse(snippet, file: "snippet.yaml")
        #expect(parsed["FunctionRole", "Type"]?.string == "AWS::IAM::Role")
        let sam = try YAMLReader.parse(RoleFormat.sam.render(analysis.policy, region: nil, account: nil), file: "sam.yaml")
        #expect(sam["Policies"]?.items?.first?["Statement"]?.items?.count == analysis.policy.statements.count)
        let diff = try #require(analysis.diff)
        #expect(diff.missing == ["secretsmanager:GetSecretValue", "sqs:SendMessage"])
        #expect(diff.unused == ["s3:GetObject"])
        #expect(diff.broader == ["dynamodb:*"])
        #expect(diff.opaque.isEmpty)
    }

    @Test func nodeSDKv3Commands() throws {
        let analysis = try Self.analyse("node-v3")
        #expect(analysis.policy.actions == (["dynamodb:PutItem", "s3:GetObject", "s3:PutObject", "sns:Publish"] + Self.logs).sorted())
        let policy = RoleFormat.policy.render(analysis.policy, region: nil, account: nil)
        #expect(policy.contains("arn:aws:s3:::thumbnails-images/*"))
        #expect(policy.contains("arn:aws:sns:eu-west-1:111122223333:thumbnails-done"))
        #expect(policy.contains("table/thumbnail-index"))
        #expect(analysis.diff?.broader == ["*"])
        #expect(analysis.diff?.missing.isEmpty == true)
    }

    @Test func nodeSDKv2ClientsAndDocumentClient() throws {
        let analysis = try Self.analyse("node-v2")
        #expect(analysis.policy.actions == (["dynamodb:GetItem", "dynamodb:Query", "lambda:InvokeFunction", "sqs:DeleteMessage"] + Self.logs).sorted())
        #expect(analysis.diff == nil)
        let query = try #require(analysis.policy.statements.first { $0.actions == ["dynamodb:Query"] })
        #expect(query.resources.map { $0.policyString(region: nil, account: nil) } == ["arn:aws:dynamodb:*:*:table/sessions", "arn:aws:dynamodb:*:*:table/sessions/index/*"])
    }

    @Test func globMatchesLikeIAM() {
        #expect(RoleDiff.glob("s3:Get*", matches: "s3:GetObject"))
        #expect(RoleDiff.glob("S3:getobject", matches: "s3:GetObject"))
        #expect(!RoleDiff.glob("s3:Get*", matches: "s3:PutObject"))
        #expect(RoleDiff.glob("sqs:?endMessage", matches: "sqs:SendMessage"))
    }
}
