import Testing
@testable import PalisadePosture

@Suite struct PalisadeLayerCheckTests {
    @Test func layerByArnOrByResourceName() throws {
        let text = """
        Resources:
          ByArn:
            Type: AWS::Lambda::Function
            Properties:
              Layers: [arn:aws:lambda:eu-west-1:111122223333:layer:palisade-agent:3]
          ByResource:
            Type: AWS::Lambda::Function
            Properties:
              Layers: [!Ref Guard]
          Guard:
            Type: AWS::Lambda::LayerVersion
            Properties:
              LayerName: Palisade
          Unprotected:
            Type: AWS::Lambda::Function
            Properties:
              Layers: [arn:aws:lambda:eu-west-1:111122223333:layer:pandas:1]
        """
        #expect(verdicts(try results(of: PalisadeLayerCheck(), in: text)) == [
            "AWS::Lambda::Function.ByArn": .passed, "AWS::Lambda::Function.ByResource": .passed, "AWS::Lambda::Function.Unprotected": .failed,
        ])
    }
}
