import Testing
@testable import PalisadePosture

@Suite struct EnvironmentSecretsCheckTests {
    @Test(arguments: [
        ("KEY", "AKIAIOSFODNN7EXAMPLE", true),
        ("DB_PASSWORD", "hunter2hunter2", true),
        ("STRIPE_TOKEN", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", true),
        ("BLOB", "q8Zr7VxK2pLm9TfW4sYh6NcB1uJd3EgA", true),
        ("DB_PASSWORD_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:db", false),
        ("API_KEY_NAME", "my-api-key-name", false),
        ("TABLE", "orders", false),
        ("LOG_LEVEL", "INFO", false),
        ("GIT_SHA", "git.commit.sha:55e7e7703f17c41f276caf8f1a1b744d674259f8", false),
    ])
    func recognisesSecrets(name: String, value: String, secret: Bool) {
        #expect((EnvironmentSecretsCheck.secretReason(name: name, value: value) != nil) == secret)
    }

    @Test(arguments: [
        ("AKIAIOSFODNN7EXAMPLE", true),
        ("key=AKIAIOSFODNN7EXAMPLE;", true),
        ("xASIAIOSFODNN7EXAMPLE", true),
        ("1AKIAIOSFODNN7EXAMPLE", false),
        ("AKIAIOSFODNN7EXAMPLE2", false),
        ("AKIAIOSFODNN7EXAMPL", false),
        ("AKIAiosfodnn7example", false),
        ("ABCDIOSFODNN7EXAMPLE", false),
    ])
    func findsAccessKeyIDsAloneInTheValue(value: String, found: Bool) {
        #expect(EnvironmentSecretsCheck.containsAccessKeyID(value) == found)
    }

    @Test func recognisesTheShapeOfASecretAccessKey() {
        #expect(EnvironmentSecretsCheck.isSecretAccessKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
        #expect(!EnvironmentSecretsCheck.isSecretAccessKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE"))
        #expect(!EnvironmentSecretsCheck.isSecretAccessKey("wJalrXUtnFEMI-K7MDENG/bPxRfiCYEXAMPLEKEY"))
    }

    @Test func failureNamesTheVariableAndItsLine() throws {
        let text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Environment:
                Variables:
                  STAGE: prod
                  DB_PASSWORD: correct-horse-battery
        """
        let finding = try #require(try results(of: EnvironmentSecretsCheck(), in: text).first)
        #expect(finding.status == .failed)
        #expect(finding.line == 8)
        #expect(finding.message.contains("DB_PASSWORD"))
        #expect(!finding.message.contains("correct-horse"))
    }

    @Test func samGlobalsEnvironmentIsChecked() throws {
        let text = """
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Environment:
              Variables:
                AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Environment:
                Variables:
                  STAGE: prod
        """
        #expect(verdicts(try results(of: EnvironmentSecretsCheck(), in: text)) == ["AWS::Serverless::Function.Fn": .failed])
    }
}
