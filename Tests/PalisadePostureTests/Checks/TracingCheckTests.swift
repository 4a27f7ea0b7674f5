import Testing
@testable import PalisadePosture

@Suite struct TracingCheckTests {
    @Test func onlyActiveTracingPasses() throws {
        let text = """
        Parameters:
          Mode:
            Type: String
            Default: Active
        Resources:
          Active:
            Type: AWS::Lambda::Function
            Properties:
              TracingConfig: {Mode: !Ref Mode}
          PassThrough:
            Type: AWS::Lambda::Function
            Properties:
              TracingConfig: {Mode: PassThrough}
          Sam:
            Type: AWS::Serverless::Function
            Properties:
              Tracing: Active
        """
        #expect(verdicts(try results(of: TracingCheck(), in: text)) == [
            "AWS::Lambda::Function.Active": .passed, "AWS::Lambda::Function.PassThrough": .failed, "AWS::Serverless::Function.Sam": .passed,
        ])
    }

    @Test func serverlessProviderTracing() throws {
        let text = """
        service: s
        provider:
          name: aws
          tracing:
            lambda: true
        functions:
          fn:
            handler: h.main
        """
        #expect(verdicts(try results(of: TracingCheck(), in: text, file: "/s/serverless.yml")) == ["fn": .passed])
    }
}
