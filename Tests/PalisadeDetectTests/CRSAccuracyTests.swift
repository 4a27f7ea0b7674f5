import PalisadeDetect
import Testing

/// Detection rates on the OWASP CRS regression corpus. The floors sit a little below what the engine
/// reaches today, so a regression fails the build; the table is printed for the README.
@Suite struct CRSAccuracyTests {
    static let floorsPL1: [String: Double] = [
        "lfi": 0.98, "rfi": 0.99, "rce": 0.99, "generic": 0.99, "xss": 0.95, "sqli": 0.99, "java": 0.99, "php": 0.99,
    ]
    /// The goal is 3 %; today's engine flags 16 of 536 (2.99 %), six of them real attacks that CRS
    /// labels benign for one rule (metadata URLs, `pg_sleep`, `union all select` in a path).
    static let benignCeiling = 0.030

    @Test func detectsCRSAttacksAndLeavesBenignRequestsClean() throws {
        let corpus = try CRSCorpus.load()
        let report = corpus.evaluate(Detector())
        print(report.table)
        print("missed PL1: \(report.missed.prefix(60).joined(separator: " "))")
        print("false positives: \(report.falsePositives.joined(separator: " "))")
        for (category, floor) in Self.floorsPL1 {
            let rate = report.pl1[category]?.share ?? 0
            #expect(rate >= floor, "PL1 detection for \(category) is \(rate), below the floor \(floor)")
        }
        #expect(report.benign.share <= Self.benignCeiling, "\(report.benign.detected) of \(report.benign.total) benign records flagged")
    }
}
