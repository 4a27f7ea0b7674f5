import Testing
@testable import PalisadePosture

@Suite struct AdminPolicyCheckTests {
    @Test func managedAdministratorAccessFails() throws {
        let text = """
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              ManagedPolicyArns:
                - arn:aws:iam::aws:policy/AdministratorAccess
          ReadOnly:
            Type: AWS::IAM::Role
            Properties:
              ManagedPolicyArns:
                - arn:aws:iam::aws:policy/ReadOnlyAccess
        """
        #expect(verdicts(try results(of: AdminPolicyCheck(), in: text)) == ["AWS::IAM::Role.Role": .failed, "AWS::IAM::Role.ReadOnly": .passed])
    }

    @Test func starOnOneResourceIsNotAdmin() throws {
        let text = """
        Resources:
          Scoped:
            Type: AWS::IAM::Policy
            Properties:
              PolicyDocument:
                Statement:
                  Effect: Allow
                  Action: "*"
                  Resource: arn:aws:s3:::bucket/*
        """
        #expect(verdicts(try results(of: AdminPolicyCheck(), in: text)) == ["AWS::IAM::Policy.Scoped": .passed])
    }

    @Test func parameterDefaultResolves() throws {
        let text = """
        Parameters:
          Everything:
            Type: String
            Default: "*"
        Resources:
          Admin:
            Type: AWS::IAM::Policy
            Properties:
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: !Ref Everything
                    Resource: !Ref Everything
        """
        #expect(verdicts(try results(of: AdminPolicyCheck(), in: text)) == ["AWS::IAM::Policy.Admin": .failed])
    }
}
