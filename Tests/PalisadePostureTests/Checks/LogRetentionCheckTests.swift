import Testing
@testable import PalisadePosture

@Suite struct LogRetentionCheckTests {
    @Test func logGroupNamedAfterTheFunction() throws {
        let text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
          FnLogs:
            Type: AWS::Logs::LogGroup
            Properties:
              LogGroupName: !Sub /aws/lambda/${Fn}
              RetentionInDays: 30
          Named:
            Type: AWS::Lambda::Function
            Properties:
              FunctionName: orders
          NamedLogs:
            Type: AWS::Logs::LogGroup
            Properties:
              LogGroupName: /aws/lambda/orders
          Bare:
            Type: AWS::Lambda::Function
        """
        #expect(verdicts(try results(of: LogRetentionCheck(), in: text)) == [
            "AWS::Lambda::Function.Fn": .passed, "AWS::Lambda::Function.Named": .failed, "AWS::Lambda::Function.Bare": .failed,
        ])
    }

    @Test func serverlessProviderRetention() throws {
        let text = """
        service: s
        provider:
          name: aws
          logRetentionInDays: 14
        functions:
          fn:
            handler: h.main
        """
        #expect(verdicts(try results(of: LogRetentionCheck(), in: text, file: "/s/serverless.yml")) == ["fn": .passed])
    }
}
