import Testing
@testable import PalisadePosture

@Suite struct VPCCheckTests {
    @Test func samGlobalsVpcApplies() throws {
        let text = """
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            VpcConfig:
              SubnetIds: [subnet-1]
              SecurityGroupIds: [sg-1]
        Resources:
          Fn:
            Type: AWS::Serverless::Function
        """
        let findings = try results(of: VPCCheck(), in: text)
        #expect(verdicts(findings) == ["AWS::Serverless::Function.Fn": .passed])
        #expect(VPCCheck().severity == .info)
    }

    @Test func noVpcIsInformational() throws {
        let text = """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
        """
        #expect(verdicts(try results(of: VPCCheck(), in: text)) == ["AWS::Lambda::Function.Fn": .failed])
    }
}
