/// JUnit XML, which most CI systems show as a test report: one suite per check, one case per resource.
public enum JUnitReport {
    public static func render(_ report: ScanReport, checks: [any PostureCheck]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = report.findings.filter { $0.status == .failed }.count
        xml += "<testsuites name=\"palisade scan\" tests=\"\(report.findings.count)\" failures=\"\(failures)\" errors=\"\(report.errors.count)\">\n"
        for check in checks {
            let findings = report.findings.filter { $0.checkID == check.id }
            guard !findings.isEmpty else { continue }
            let failed = findings.filter { $0.status == .failed }.count
            let skipped = findings.filter { $0.status == .skipped }.count
            xml += "  <testsuite name=\"\(escape(check.id)) \(escape(check.title))\" tests=\"\(findings.count)\" failures=\"\(failed)\" skipped=\"\(skipped)\">\n"
            for finding in findings {
                xml += "    <testcase name=\"\(escape(finding.resource))\" classname=\"\(escape(finding.file))\" file=\"\(escape(finding.file))\" line=\"\(finding.line)\""
                switch finding.status {
                case .passed:
                    xml += "/>\n"
                case .failed:
                    xml += ">\n      <failure type=\"\(finding.severity.rawValue)\" message=\"\(escape(finding.message))\">"
                    xml += "\(escape(finding.file)):\(finding.line): \(escape(check.remediation))</failure>\n    </testcase>\n"
                case .skipped:
                    xml += ">\n      <skipped message=\"\(escape(finding.suppression ?? ""))\"/>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        if !report.errors.isEmpty {
            xml += "  <testsuite name=\"template errors\" tests=\"\(report.errors.count)\" errors=\"\(report.errors.count)\">\n"
            for error in report.errors {
                xml += "    <testcase name=\"\(escape(error.file ?? "input"))\" classname=\"load\">\n"
                xml += "      <error type=\"\(error.code.rawValue)\" message=\"\(escape(error.description))\"/>\n    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
