import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PalisadePosture

@Suite struct ReportTests {
    static func sampleReport() -> ScanReport {
        Scanner(context: CheckContext(asOf: "2024-01-01"))
            .scan(paths: [fixtures.appendingPathComponent("checkov/cloudformation/LambdaEnvironmentCredentials").path])
    }

    @Test func jsonCarriesCheckovComparableFields() throws {
        let data = Data(JSONReport.render(Self.sampleReport()).utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let results = try #require(document["results"] as? [[String: Any]])
        let secret = try #require(results.first { $0["check"] as? String == "PAL-FN-003" && $0["status"] as? String == "failed" })
        #expect(Set(secret.keys).isSuperset(of: ["check", "equivalents", "resource", "file", "line", "status", "severity", "message"]))
        #expect(secret["equivalents"] as? [String] == ["CKV_AWS_45", "CKV_AWS_41"])
        #expect(secret["severity"] as? String == "critical")
        #expect((secret["resource"] as? String)?.hasPrefix("AWS::") == true)
    }

    @Test func jsonEscapesEveryString() throws {
        let error = PostureError(.invalidSyntax, file: "dir/\"odd\"\\name.yaml", line: 3, "tab\there\nnew line \u{1}")
        let data = Data(JSONReport.render(ScanReport(findings: [], errors: [error])).utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let parsed = try #require((document["errors"] as? [[String: Any]])?.first)
        #expect(parsed["file"] as? String == error.file)
        #expect(parsed["message"] as? String == error.message)
        #expect(parsed["line"] as? Int == 3)
    }

    /// The parts of the SARIF 2.1.0 schema that GitHub code scanning requires on upload.
    @Test func sarifHasWhatCodeScanningRequires() throws {
        let base = fixtures.path
        let text = SARIFReport.render(Self.sampleReport(), checks: CheckRegistry.all, version: "0.1.0", relativeTo: base)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        #expect(log["$schema"] as? String == SARIFReport.schemaURI)
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "palisade")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let ruleIDs = rules.compactMap { $0["id"] as? String }
        #expect(ruleIDs == CheckRegistry.all.map(\.id))
        for rule in rules {
            #expect((rule["shortDescription"] as? [String: Any])?["text"] is String)
            let level = (rule["defaultConfiguration"] as? [String: Any])?["level"] as? String
            #expect(["none", "note", "warning", "error"].contains(level ?? ""))
            let score = ((rule["properties"] as? [String: Any])?["security-severity"] as? String).flatMap(Double.init)
            #expect(score.map { (0...10).contains($0) } == true)
        }
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(!results.isEmpty)
        for result in results {
            let ruleID = try #require(result["ruleId"] as? String)
            #expect(rules[try #require(result["ruleIndex"] as? Int)]["id"] as? String == ruleID)
            #expect((result["message"] as? [String: Any])?["text"] is String)
            let physical = try #require(((result["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any])
            let uri = try #require((physical["artifactLocation"] as? [String: Any])?["uri"] as? String)
            #expect(uri.hasPrefix("checkov/cloudformation/LambdaEnvironmentCredentials/"))
            #expect(URL(string: uri) != nil)
            let line = try #require((physical["region"] as? [String: Any])?["startLine"] as? Int)
            #expect(line >= 1)
        }
    }

    @Test func junitIsWellFormedXML() throws {
        let xml = JUnitReport.render(Self.sampleReport(), checks: CheckRegistry.all)
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse())
        #expect(xml.contains("<failure type=\"critical\""))
    }

    /// `today()` formats the UTC date itself (no ICU); it must agree with Foundation's formatter.
    @Test func todayIsTheUTCDate() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let before = formatter.string(from: Date())
        let today = PostureInfo.today()
        #expect(today == before || today == formatter.string(from: Date()))
    }

    @Test func failOnThreshold() {
        let report = Self.sampleReport()
        #expect(FailThreshold("critical")?.exitCode(for: report) == 1)
        #expect(FailThreshold("none")?.exitCode(for: report) == 0)
        #expect(FailThreshold("bogus") == nil)
        let clean = ScanReport(findings: report.findings.filter { $0.status == .passed }, errors: [])
        #expect(FailThreshold("info")?.exitCode(for: clean) == 0)
        let broken = ScanReport(findings: [], errors: [PostureError(.invalidSyntax, file: "x.yaml", line: 1, "bad")])
        #expect(FailThreshold("low")?.exitCode(for: broken) == 2)
    }

    @Test func tableShowsFailuresAndSummary() {
        let table = TableReport.render(Self.sampleReport(), colour: true)
        #expect(table.contains("PAL-FN-003"))
        #expect(table.contains("\u{1B}[1;31m"))
        #expect(table.hasSuffix("file error(s)\n"))
        #expect(!TableReport.render(Self.sampleReport(), colour: false).contains("\u{1B}"))
    }
}
