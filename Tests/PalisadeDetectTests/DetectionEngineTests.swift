import PalisadeDetect
import Testing

/// The engine scans an event in phases (every input decoded, then each family of detectors over all
/// of them); its verdict must still be that of a scan input by input: findings in the inputs' order,
/// a repeated input reported at each of its places, and no input scanned once 64 findings are in.
@Suite struct DetectionEngineTests {
    static let payloads = [
        "1' OR '1'='1", "<script>alert(1)</script>", "; cat /etc/passwd", "../../../../etc/passwd", "{{7*7}}",
        "${jndi:ldap://x/a}", "currency", "admin'--", "<img src=x onerror=alert(1)>",
    ]

    /// An API Gateway event whose JSON body holds `members` (no quote or backslash in them).
    static func event(body members: [(String, String)]) -> [UInt8] {
        let body = "{" + members.map { "\\\"\($0.0)\\\":\\\"\($0.1)\\\"" }.joined(separator: ",") + "}"
        return Array(("{\"resource\":\"/\",\"path\":\"/\",\"httpMethod\":\"POST\",\"headers\":{\"Content-Type\":\"application/json\"},"
            + "\"multiValueQueryStringParameters\":null,\"body\":\"\(body)\",\"isBase64Encoded\":false}").utf8)
    }

    @Test(arguments: [true, false])
    func findingsFollowTheInputsUpToTheLimit(crs: Bool) throws {
        var options = DetectorOptions()
        options.crsRules = crs
        let detector = Detector(options: options)
        // Even members repeat a payload exactly (the short-input cache answers them), odd ones vary it.
        let members = (0..<120).map { ("k\($0)", Self.payloads[$0 % Self.payloads.count] + ($0 % 2 == 0 ? "" : " \($0 % 5)")) }
        var expected: [Finding] = []
        for member in members where expected.count < 64 {
            expected += try detector.inspect(event: Self.event(body: [member])).findings
        }
        #expect(expected.count >= 64)
        #expect(try detector.inspect(event: Self.event(body: members)).findings == expected)
        let few = Array(members.prefix(9))
        #expect(try detector.inspect(event: Self.event(body: few)).findings == (try few.flatMap { try detector.inspect(event: Self.event(body: [$0])).findings }))
    }
}
