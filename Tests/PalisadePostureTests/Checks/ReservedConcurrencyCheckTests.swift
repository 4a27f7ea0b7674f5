import Testing
@testable import PalisadePosture

@Suite struct ReservedConcurrencyCheckTests {
    @Test func zeroIsALimitToo() throws {
        let text = """
        service: s
        provider:
          name: aws
        functions:
          paused:
            handler: h.main
            reservedConcurrency: 0
          open:
            handler: h.main
        """
        #expect(verdicts(try results(of: ReservedConcurrencyCheck(), in: text, file: "/s/serverless.yml")) == ["paused": .passed, "open": .failed])
    }
}
