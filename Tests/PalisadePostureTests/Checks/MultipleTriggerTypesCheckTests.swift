import Testing
@testable import PalisadePosture

@Suite struct MultipleTriggerTypesCheckTests {
    @Test func samEventsOfTwoKindsFail() throws {
        let text = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Mixed:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Upload: {Type: S3, Properties: {Bucket: !Ref B, Events: s3:ObjectCreated:*}}
                Http: {Type: Api, Properties: {Path: /x, Method: get}}
          Single:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get: {Type: Api, Properties: {Path: /a, Method: get}}
                Post: {Type: Api, Properties: {Path: /a, Method: post}}
        """
        let findings = try results(of: MultipleTriggerTypesCheck(), in: text)
        #expect(verdicts(findings) == ["AWS::Serverless::Function.Mixed": .failed, "AWS::Serverless::Function.Single": .passed])
        #expect(findings.first { $0.status == .failed }?.message == "2 trigger types: s3, apiGatewayV1")
    }

    @Test func triggersDeclaredOnOtherResourcesCount() throws {
        let text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
          Mapping:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              FunctionName: !Ref Fn
              EventSourceArn: !GetAtt Queue.Arn
          Queue:
            Type: AWS::SQS::Queue
          Invoke:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: !GetAtt Fn.Arn
              Action: lambda:InvokeFunction
              Principal: sns.amazonaws.com
              SourceArn: !Ref Topic
        """
        let findings = try results(of: MultipleTriggerTypesCheck(), in: text)
        #expect(findings.first?.message == "2 trigger types: sqs, sns")
    }
}
