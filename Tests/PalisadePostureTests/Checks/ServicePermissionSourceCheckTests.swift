import Testing
@testable import PalisadePosture

@Suite struct ServicePermissionSourceCheckTests {
    @Test func servicePrincipalNeedsASource() throws {
        let text = """
        Resources:
          FromBucket:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: !Ref Fn
              Action: lambda:InvokeFunction
              Principal: s3.amazonaws.com
          FromAccount:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: !Ref Fn
              Action: lambda:InvokeFunction
              Principal: "111122223333"
          FromRule:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: !Ref Fn
              Action: lambda:InvokeFunction
              Principal: events.amazonaws.com
              SourceArn: !GetAtt Rule.Arn
        """
        #expect(verdicts(try results(of: ServicePermissionSourceCheck(), in: text)) == [
            "AWS::Lambda::Permission.FromBucket": .failed, "AWS::Lambda::Permission.FromRule": .passed,
        ])
    }
}
