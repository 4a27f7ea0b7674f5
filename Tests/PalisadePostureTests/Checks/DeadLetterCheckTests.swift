import Testing
@testable import PalisadePosture

@Suite struct DeadLetterCheckTests {
    @Test func dependsOnHowTheFunctionIsInvoked() throws {
        let text = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Uploads:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Put: {Type: S3, Properties: {Bucket: !Ref B, Events: s3:ObjectCreated:*}}
          UploadsWithDestination:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Put: {Type: S3, Properties: {Bucket: !Ref B, Events: s3:ObjectCreated:*}}
              EventInvokeConfig:
                DestinationConfig:
                  OnFailure:
                    Type: SQS
                    Destination: !GetAtt Failed.Arn
          HttpOnly:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get: {Type: Api, Properties: {Path: /, Method: get}}
        """
        #expect(verdicts(try results(of: DeadLetterCheck(), in: text)) == [
            "AWS::Serverless::Function.Uploads": .failed,
            "AWS::Serverless::Function.UploadsWithDestination": .passed,
            "AWS::Serverless::Function.HttpOnly": .passed,
        ])
    }

    @Test func eventInvokeConfigResourceLinksToItsFunction() throws {
        let text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
          Config:
            Type: AWS::Lambda::EventInvokeConfig
            Properties:
              FunctionName: !Ref Fn
              Qualifier: $LATEST
              DestinationConfig:
                OnFailure:
                  Destination: arn:aws:sqs:us-east-1:111122223333:failed
        """
        #expect(verdicts(try results(of: DeadLetterCheck(), in: text)) == ["AWS::Lambda::Function.Fn": .passed])
    }
}
