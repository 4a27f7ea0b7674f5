import Foundation
import Testing
@testable import PalisadePosture

@Suite struct LoadingTests {
    /// Checkov's SAM graph fixture: scalars from the resource win, maps merge, lists concatenate
    /// with Globals first.
    @Test func samGlobalsMergeLikeSAM() throws {
        let file = fixtures.appendingPathComponent("checkov/cloudformation-sam-globals/template.yaml").path
        let root = try YAMLReader.parse(String(contentsOfFile: file, encoding: .utf8), file: file)
        let globals = root["Globals"]
        let function1 = try #require(SAMGlobals.apply(globals, type: "AWS::Serverless::Function", to: root["Resources", "Function1", "Properties"]))
        let function2 = try #require(SAMGlobals.apply(globals, type: "AWS::Serverless::Function", to: root["Resources", "Function2", "Properties"]))
        for function in [function1, function2] {
            #expect(function["CodeUri"]?.string == "src/")
            #expect(function["Runtime"]?.string == "python3.9")
            #expect(function["Timeout"]?.string == "5")
            #expect(function["Tracing"]?.string == "Active")
        }
        let variables1 = try #require(function1["Environment", "Variables"])
        #expect(variables1["TABLE_NAME"]?.string == "resource-table")
        #expect(variables1["NEW_VAR"]?.string == "hello")
        #expect(variables1["STAGE"]?.string == "Production")
        #expect(variables1["QUEUE_URL"]?.intrinsic?.name == "Fn::If")
        #expect(function2["Environment", "Variables", "TABLE_NAME"]?.string == "global-table")
        #expect(function1["VpcConfig", "SecurityGroupIds"]?.items?.compactMap(\.string) == ["sg-123", "sg-456", "sg-first"])
        #expect(function1["VpcConfig", "SubnetIds"]?.items?.compactMap(\.string) == ["subnet-123", "subnet-456"])
    }

    @Test func shortTagsBecomeLongForm() throws {
        let root = try YAMLReader.parse("""
        A: !GetAtt Queue.Arn
        B: !Sub "${AWS::Region}-x"
        C: !Ref Param
        D: !If [Cond, a, b]
        """, file: "t.yaml")
        #expect(root["A"]?.intrinsic?.name == "Fn::GetAtt")
        #expect(root["A"]?["Fn::GetAtt"]?.items?.compactMap(\.string) == ["Queue", "Arn"])
        #expect(root["B"]?.intrinsic?.name == "Fn::Sub")
        #expect(root["C"]?["Ref"]?.string == "Param")
        #expect(root["D"]?["Fn::If"]?.items?.count == 3)
    }

    /// Checkov's enrichment fixture: custom variables chain, provider settings reach the function.
    @Test func serverlessVariablesAndProviderMerge() throws {
        let file = fixtures.appendingPathComponent("checkov/serverless/CheckTypes_enrichment/serverless.yml").path
        let raw = try YAMLReader.parse(String(contentsOfFile: file, encoding: .utf8), file: file)
        let resolved = ServerlessVariables(root: raw, directory: URL(fileURLWithPath: file).deletingLastPathComponent(), environment: [:], options: [:]).resolve(raw)
        #expect(resolved["custom", "my_custom_var"]?.string == "sourced-in-value")
        let inventory = try #require(try Scanner(context: CheckContext(asOf: "2026-11-23")).load(text: String(contentsOfFile: file, encoding: .utf8), file: file))
        let function = try #require(inventory.functions.first)
        #expect(function.ref.id == "myFunction")
        #expect(function.environment?.first { $0.name == "SOME_PROVIDER_VAR" }?.value == .value("spv_value"))
        #expect(function.runtime == .value("nodejs12.x"))
    }

    @Test func serverlessVariableForms() {
        let root = Node.mapping([
            Node.Entry(key: "custom", value: .mapping([Node.Entry(key: "stage", value: .scalar("${opt:stage, 'dev'}"))])),
            Node.Entry(key: "name", value: .scalar("svc-${self:custom.stage}-${env:REGION}")),
            Node.Entry(key: "missing", value: .scalar("${env:NOPE}")),
            Node.Entry(key: "fallback", value: .scalar("${file(${env:NOPE, 'absent.yml'}), null}")),
        ])
        let resolver = ServerlessVariables(root: root, directory: URL(fileURLWithPath: "/nonexistent"), environment: ["REGION": "eu-west-1"], options: [:])
        let resolved = resolver.resolve(root)
        #expect(resolved["name"]?.string == "svc-dev-eu-west-1")
        #expect(resolved["missing"]?.string == "${env:NOPE}")
        #expect(resolved["fallback"]?.isNull == true)
        let staged = ServerlessVariables(root: root, directory: URL(fileURLWithPath: "/"), environment: ["REGION": "x"], options: ["stage": "prod"]).resolve(root)
        #expect(staged["name"]?.string == "svc-prod-x")
    }

    @Test func brokenFileIsAnErrorWithLineAndTheScanGoesOn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: [unclosed\n".write(
            to: directory.appendingPathComponent("a-broken.yaml"), atomically: true, encoding: .utf8)
        try "Resources:\n  Fn:\n    Properties: {}\n".write(to: directory.appendingPathComponent("b-typeless.yaml"), atomically: true, encoding: .utf8)
        try "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n".write(to: directory.appendingPathComponent("c-good.yaml"), atomically: true, encoding: .utf8)
        let report = Scanner(checks: [ReservedConcurrencyCheck()], context: CheckContext(asOf: "2026-11-23")).scan(paths: [directory.path])
        #expect(report.errors.map(\.code) == [.invalidSyntax, .invalidTemplate])
        #expect(report.errors[0].file?.hasSuffix("a-broken.yaml") == true)
        #expect(report.errors[0].line == 5)
        #expect(report.errors[1].line == 2)
        #expect(report.errors[1].description.contains("b-typeless.yaml:2: error PAL-E003"))
        #expect(report.findings.map(\.resource) == ["AWS::Lambda::Function.Fn"])
    }

    @Test func suppressionNeedsAReason() throws {
        let text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12 # palisade:skip=PAL-FN-006 bursts are capped by the queue's batch size
          Other:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12 # palisade:skip=PAL-FN-006
        """
        let findings = try results(of: ReservedConcurrencyCheck(), in: text)
        #expect(verdicts(findings) == ["AWS::Lambda::Function.Fn": .skipped, "AWS::Lambda::Function.Other": .failed])
        #expect(findings.first?.suppression == "bursts are capped by the queue's batch size")
        let errors = Suppressions.read(text, file: "t.yaml").errors
        #expect(errors.map(\.line) == [9])
        #expect(errors.first?.code == .invalidSuppression)
    }
}
