import Testing
@testable import PalisadePosture

@Suite struct DeprecatedRuntimeCheckTests {
    static let template = """
    Resources:
      Node18:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: nodejs18.x
      Python313:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.13
      Image:
        Type: AWS::Lambda::Function
        Properties:
          PackageType: Image
    """

    @Test func judgedByTheDayGiven() throws {
        let before = try results(of: DeprecatedRuntimeCheck(), in: Self.template, asOf: "2025-08-31")
        #expect(verdicts(before) == ["AWS::Lambda::Function.Node18": .passed, "AWS::Lambda::Function.Python313": .passed])
        let after = try results(of: DeprecatedRuntimeCheck(), in: Self.template, asOf: "2025-09-01")
        #expect(verdicts(after) == ["AWS::Lambda::Function.Node18": .failed, "AWS::Lambda::Function.Python313": .passed])
        #expect(after.first { $0.status == .failed }?.line == 5)
    }

    @Test func serverlessProviderRuntimeApplies() throws {
        let text = """
        service: s
        provider:
          name: aws
          runtime: python3.7
        functions:
          legacy:
            handler: h.main
          modern:
            handler: h.main
            runtime: python3.12
        """
        #expect(verdicts(try results(of: DeprecatedRuntimeCheck(), in: text, file: "/s/serverless.yml")) == ["legacy": .failed, "modern": .passed])
    }
}
