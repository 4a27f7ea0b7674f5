import Foundation
import PalisadeSystem

/// The output formats of `palisade scan` and `palisade audit`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, sarif, junit

    public func write(_ report: ScanReport, checks: [any PostureCheck], colour: Bool, base: String, to out: inout some TextOutputStream) {
        switch self {
        case .table: out.write(TableReport.render(report, colour: colour))
        case .json:
            JSONReport.write(report, to: &out)
            out.write("\n")
        case .sarif: out.write(SARIFReport.render(report, checks: checks, version: PostureInfo.version, relativeTo: base) + "\n")
        case .junit: out.write(JUnitReport.render(report, checks: checks))
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
    /// From `WallClock` rather than a `DateFormatter`, which would load ICU's calendar data.
    public static func today() -> String {
        String(WallClock.iso8601(millisecondsSinceEpoch: WallClock.millisecondsSinceEpoch()).prefix(10))
    }
}
