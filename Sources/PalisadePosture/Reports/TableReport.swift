/// The report for people: failed and skipped findings as an aligned table, coloured by severity
/// when the output is a terminal, then a one-line summary.
public enum TableReport {
    public static func render(_ report: ScanReport, colour: Bool, showPassed: Bool = false) -> String {
        let shown = report.findings.filter { showPassed || $0.status != .passed }
            .sorted { first, second in
                first.severity != second.severity ? first.severity > second.severity : (first.file, first.line) < (second.file, second.line)
            }
        let header = ["STATUS", "SEVERITY", "CHECK", "RESOURCE", "LOCATION", "MESSAGE"]
        let rows = shown.map { finding in
            [finding.status.rawValue.uppercased(), finding.severity.rawValue, finding.checkID, finding.resource,
             "\(finding.file):\(finding.line)", finding.suppression.map { "\(finding.message) (skipped: \($0))" } ?? finding.message]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < header.count - 1 { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String], severity: Severity?) -> String {
            let text = cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
            guard colour, let severity else { return text }
            return paint(severity) + text + "\u{1B}[0m"
        }
        var output = ""
        if !rows.isEmpty {
            output += line(header, severity: nil) + "\n"
            for (row, finding) in zip(rows, shown) {
                output += line(row, severity: finding.status == .failed ? finding.severity : nil) + "\n"
            }
        }
        for error in report.errors { output += error.description + "\n" }
        let count = { (status: Finding.Status) in report.findings.filter { $0.status == status }.count }
        output += "\(count(.passed)) passed, \(count(.failed)) failed, \(count(.skipped)) skipped, \(report.errors.count) file error(s)\n"
        return output
    }

    private static func paint(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "\u{1B}[1;31m"
        case .high: return "\u{1B}[31m"
        case .medium: return "\u{1B}[33m"
        case .low: return "\u{1B}[36m"
        case .info: return "\u{1B}[2m"
        }
    }
}
