import Testing
@testable import PalisadePosture

@Suite struct OpenAPIRouteCheckTests {
    @Test func samRoutesTakeTheApisDefaults() throws {
        let text = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              Auth:
                DefaultAuthorizer: Cognito
          Protected:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get}}
          OptedOut:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /b, Method: get, Auth: {Authorizer: NONE}}}
          Implicit:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Get: {Type: Api, Properties: {Path: /c, Method: get}}
          Queue:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Work: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
        """
        #expect(verdicts(try results(of: OpenAPIRouteCheck(), in: text)) == [
            "AWS::Serverless::Function.Protected": .passed,
            "AWS::Serverless::Function.OptedOut": .failed,
            "AWS::Serverless::Function.Implicit": .failed,
        ])
    }

    @Test func restMethodWithUsagePlanPasses() throws {
        let text = """
        Resources:
          Open:
            Type: AWS::ApiGateway::Method
            Properties:
              RestApiId: !Ref Api
              HttpMethod: GET
              AuthorizationType: NONE
          Plan:
            Type: AWS::ApiGateway::UsagePlan
            Properties:
              ApiStages:
                - ApiId: !Ref Api
                  Stage: prod
          Other:
            Type: AWS::ApiGateway::Method
            Properties:
              RestApiId: !Ref OtherApi
              HttpMethod: GET
              AuthorizationType: NONE
        """
        #expect(verdicts(try results(of: OpenAPIRouteCheck(), in: text)) == [
            "AWS::ApiGateway::Method.Open": .passed, "AWS::ApiGateway::Method.Other": .failed,
        ])
    }

    @Test func serverlessHttpEvents() throws {
        let text = """
        service: s
        provider:
          name: aws
        functions:
          open:
            handler: h.main
            events:
              - http: {path: /a, method: get}
          keyed:
            handler: h.main
            events:
              - http: {path: /b, method: get, private: true}
        """
        #expect(verdicts(try results(of: OpenAPIRouteCheck(), in: text, file: "/s/serverless.yml")) == ["open": .failed, "keyed": .passed])
    }
}
