import Foundation

/// The output formats of `palisade scan` and `palisade audit`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, sarif, junit

    public func render(_ report: ScanReport, checks: [any PostureCheck], colour: Bool, base: String) -> String {
        switch self {
        case .table: return TableReport.render(report, colour: colour)
        case .json: return JSONReport.render(report) + "\n"
        case .sarif: return SARIFReport.render(report, checks: checks, version: PostureInfo.version, relativeTo: base) + "\n"
        case .junit: return JUnitReport.render(report, checks: checks)
        }
    }
}

/// When a scan should make the process fail: at or above a severity, or never.
public enum FailThreshold: Sendable, Equatable {
    case never
    case atLeast(Severity)

    public init?(_ text: String) {
        if text == "none" {
            self = .never
        } else if let severity = Severity(rawValue: text) {
            self = .atLeast(severity)
        } else {
            return nil
        }
    }

    /// 1 when a failure meets the threshold, 2 when only file errors occurred, otherwise 0.
    public func exitCode(for report: ScanReport) -> Int32 {
        if case .atLeast(let severity) = self, !report.failures(atLeast: severity).isEmpty { return 1 }
        return report.errors.isEmpty ? 0 : 2
    }
}

public enum PostureInfo {
    public static let version = "0.1.0"

    /// Today's date as `YYYY-MM-DD` in UTC, the default day runtime deprecations are judged by.
    public static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }
}
