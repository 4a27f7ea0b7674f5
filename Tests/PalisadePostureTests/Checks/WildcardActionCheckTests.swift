import Testing
@testable import PalisadePosture

@Suite struct WildcardActionCheckTests {
    @Test func serviceWildcardFailsAndPrefixWildcardPasses() throws {
        let text = """
        Resources:
          Broad:
            Type: AWS::IAM::Policy
            Properties:
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: dynamodb:*
                    Resource: arn:aws:dynamodb:eu-west-1:111122223333:table/orders
          Narrow:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: [s3:Get*, s3:ListBucket]
                    Resource: "*"
          Denied:
            Type: AWS::IAM::Policy
            Properties:
              PolicyDocument:
                Statement:
                  - Effect: Deny
                    Action: "*"
                    Resource: "*"
        """
        let findings = try results(of: WildcardActionCheck(), in: text)
        #expect(verdicts(findings) == [
            "AWS::IAM::Policy.Broad": .failed, "AWS::IAM::ManagedPolicy.Narrow": .passed, "AWS::IAM::Policy.Denied": .passed,
        ])
        #expect(findings.first { $0.status == .failed }?.line == 7)
    }

    @Test func samFunctionPoliciesAreChecked() throws {
        let text = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Policies:
                - Statement:
                    - Effect: Allow
                      Action: "*"
                      Resource: arn:aws:s3:::bucket/*
        """
        #expect(verdicts(try results(of: WildcardActionCheck(), in: text)) == ["AWS::Serverless::Function.Fn": .failed])
    }

    @Test func eitherBranchOfAnIfCounts() throws {
        let text = """
        Resources:
          Maybe:
            Type: AWS::IAM::Policy
            Properties:
              PolicyDocument:
                Statement: !If
                  - IsProd
                  - - Effect: Allow
                      Action: s3:GetObject
                      Resource: "*"
                  - - Effect: Allow
                      Action: "*"
                      Resource: "*"
        """
        #expect(verdicts(try results(of: WildcardActionCheck(), in: text)) == ["AWS::IAM::Policy.Maybe": .failed])
    }
}
