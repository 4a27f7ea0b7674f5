import Testing
@testable import PalisadePosture

@Suite struct FunctionURLCorsCheckTests {
    @Test func samAndServerlessCors() throws {
        let sam = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              FunctionUrlConfig:
                AuthType: AWS_IAM
                Cors:
                  AllowOrigins: ["*"]
                  AllowMethods: ["*"]
        """
        #expect(verdicts(try results(of: FunctionURLCorsCheck(), in: sam)) == ["AWS::Serverless::Function.Fn": .failed])
        let serverless = """
        service: s
        provider:
          name: aws
        functions:
          fn:
            handler: h.main
            url:
              cors: true
        """
        #expect(verdicts(try results(of: FunctionURLCorsCheck(), in: serverless, file: "/s/serverless.yml")) == ["fn": .failed])
    }
}
