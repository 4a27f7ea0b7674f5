import Testing
@testable import PalisadePosture

@Suite struct ConsoleCreatedFunctionCheckTests {
    @Test func onlyFunctionsWithCloudTrailFactsGetAVerdict() {
        var console = LambdaFunction(ref: ResourceRef(id: "arn:aws:lambda:us-east-1:1:function:a", file: "us-east-1", line: 0), key: "a")
        console.createdInConsole = true
        var pipeline = LambdaFunction(ref: ResourceRef(id: "arn:aws:lambda:us-east-1:1:function:b", file: "us-east-1", line: 0), key: "b")
        pipeline.createdInConsole = false
        let unknown = LambdaFunction(ref: ResourceRef(id: "arn:aws:lambda:us-east-1:1:function:c", file: "us-east-1", line: 0), key: "c")
        var inventory = Inventory()
        inventory.functions = [console, pipeline, unknown]
        let outcome = ConsoleCreatedFunctionCheck().evaluate(inventory, CheckContext(asOf: "2026-11-23"))
        #expect(outcome.map(\.passed) == [false, true])
        #expect(outcome.map(\.ref.id) == [console.ref.id, pipeline.ref.id])
    }
}
