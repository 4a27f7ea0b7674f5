@testable import PalisadeDetect
import Testing

/// The verdict keeps one finding per rule and location (the first, with its evidence), found by a
/// look over the findings so far rather than a set of keys: the same findings, in the same order.
@Suite struct EventVerdictCostTests {
    @Test(arguments: [true, false])
    func aRuleIsReportedOnceAtALocation(crs: Bool) throws {
        var options = DetectorOptions()
        options.crsRules = crs
        let detector = Detector(options: options)
        // `q` twice (one location, two payloads that share rules), then the first payload elsewhere.
        let members = [("q", "1' OR '1'='1"), ("q", "admin'--"), ("r", "1' OR '1'='1"), ("q", "1' OR '1'='1 2")]
        var expected: [Finding] = []
        for member in members {
            for finding in try detector.inspect(event: DetectionEngineTests.event(body: [member])).findings
            where !expected.contains(where: { $0.rule == finding.rule && $0.location == finding.location }) {
                expected.append(finding)
            }
        }
        #expect(!expected.isEmpty)
        #expect(try detector.inspect(event: DetectionEngineTests.event(body: members)).findings == expected)
    }
}
