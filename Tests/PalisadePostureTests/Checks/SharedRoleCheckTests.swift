import Testing
@testable import PalisadePosture

@Suite struct SharedRoleCheckTests {
    @Test func twoFunctionsOnOneRoleFail() throws {
        let text = """
        Resources:
          A:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt Shared.Arn
          B:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt Shared.Arn
          C:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt Own.Arn
          D:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
        """
        let findings = try results(of: SharedRoleCheck(), in: text)
        #expect(verdicts(findings) == [
            "AWS::Lambda::Function.A": .failed, "AWS::Lambda::Function.B": .failed,
            "AWS::Lambda::Function.C": .passed, "AWS::Serverless::Function.D": .passed,
        ])
        #expect(findings.first { $0.resource == "AWS::Lambda::Function.A" }?.message.contains("AWS::Lambda::Function.B") == true)
    }

    @Test func serverlessFunctionsShareTheDefaultRole() throws {
        let text = """
        service: shop
        provider:
          name: aws
        functions:
          one:
            handler: a.main
          two:
            handler: b.main
          three:
            handler: c.main
            iamRoleStatements:
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: "*"
        """
        #expect(verdicts(try results(of: SharedRoleCheck(), in: text, file: "/x/serverless.yml")) == [
            "one": .failed, "two": .failed, "three": .passed,
        ])
    }
}
