import Testing
@testable import PalisadePosture

@Suite struct FunctionURLAuthCheckTests {
    @Test func samFunctionUrlConfig() throws {
        let text = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Public:
            Type: AWS::Serverless::Function
            Properties:
              FunctionUrlConfig:
                AuthType: NONE
          Signed:
            Type: AWS::Serverless::Function
            Properties:
              FunctionUrlConfig:
                AuthType: AWS_IAM
        """
        #expect(verdicts(try results(of: FunctionURLAuthCheck(), in: text)) == [
            "AWS::Serverless::Function.Public": .failed, "AWS::Serverless::Function.Signed": .passed,
        ])
    }

    @Test func serverlessUrlWithoutAuthorizerIsPublic() throws {
        let text = """
        service: s
        provider:
          name: aws
        functions:
          open:
            handler: h.main
            url: true
          iam:
            handler: h.main
            url:
              authorizer: aws_iam
        """
        #expect(verdicts(try results(of: FunctionURLAuthCheck(), in: text, file: "/s/serverless.yml")) == ["open": .failed, "iam": .passed])
    }
}
