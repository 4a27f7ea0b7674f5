import Testing
@testable import PalisadePosture

@Suite struct EnvironmentEncryptionCheckTests {
    @Test func serverlessKeyAtServiceLevelCounts() throws {
        let text = """
        service:
          name: s
          awsKmsKeyArn: arn:aws:kms:us-east-1:111122223333:key/abc
        provider:
          name: aws
          environment:
            STAGE: prod
        functions:
          fn:
            handler: h.main
        """
        #expect(verdicts(try results(of: EnvironmentEncryptionCheck(), in: text, file: "/s/serverless.yml")) == ["fn": .passed])
    }

    @Test func unencryptedVariablesFail() throws {
        let text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Environment:
                Variables:
                  STAGE: prod
          Keyed:
            Type: AWS::Lambda::Function
            Properties:
              KmsKeyArn: !GetAtt Key.Arn
              Environment:
                Variables:
                  STAGE: prod
        """
        #expect(verdicts(try results(of: EnvironmentEncryptionCheck(), in: text)) == [
            "AWS::Lambda::Function.Fn": .failed, "AWS::Lambda::Function.Keyed": .passed,
        ])
    }
}
