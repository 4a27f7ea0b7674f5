import Foundation

/// A pinned package version with a known vulnerability.
public struct VulnerableDependency: Sendable, Equatable {
    public var package: LockedPackage
    public var advisory: Advisory
    public var fixedVersion: String?

    /// GitHub's advisory severities mapped onto the scan's scale; unknown counts as medium.
    public var severity: Severity {
        switch advisory.severity {
        case "critical": return .critical
        case "high": return .high
        case "low": return .low
        default: return .medium
        }
    }
}

public struct DependencyReport: Sendable {
    public var packages: Int
    public var vulnerabilities: [VulnerableDependency]
    public var errors: [PostureError]
}

/// Finds lock files under the given paths and matches their pinned versions against the advisories.
public enum DependencyScanner {
    public static func scan(paths: [String], database: AdvisoryDatabase) -> DependencyReport {
        var errors: [PostureError] = []
        var packages: [LockedPackage] = []
        for file in lockfiles(under: paths, errors: &errors) {
            do throws(PostureError) {
                packages += try Lockfiles.read(file)
            } catch {
                errors.append(error)
            }
        }
        let vulnerabilities = packages.flatMap { package in
            database.advisories(for: package).map {
                VulnerableDependency(package: package, advisory: $0, fixedVersion: $0.fixedVersion(above: package.version, in: package.ecosystem))
            }
        }
        return DependencyReport(packages: packages.count, vulnerabilities: vulnerabilities, errors: errors)
    }

    static func lockfiles(under paths: [String], errors: inout [PostureError]) -> [String] {
        FileWalker.files(under: paths, errors: &errors) { Lockfiles.names.contains($0) }
    }

    public static func renderTable(_ report: DependencyReport) -> String {
        var output = ""
        for finding in report.vulnerabilities {
            let ids = ([finding.advisory.id] + finding.advisory.aliases).joined(separator: ", ")
            let fix = finding.fixedVersion.map { "upgrade to \($0)" } ?? "no fixed version"
            output += "\(finding.package.file):\(finding.package.line): \(finding.severity.rawValue) \(finding.package.name)@\(finding.package.version) "
            output += "\(ids): \(finding.advisory.summary) (\(fix))\n"
        }
        for error in report.errors { output += error.description + "\n" }
        output += "\(report.vulnerabilities.count) known vulnerabilit\(report.vulnerabilities.count == 1 ? "y" : "ies") in \(report.packages) pinned package(s)\n"
        return output
    }

    struct Entry: Encodable {
        var ecosystem: String
        var package: String
        var version: String
        var file: String
        var line: Int
        var advisory: String
        var aliases: [String]
        var severity: Severity
        var summary: String
        var fixed: String?
    }

    public static func renderJSON(_ report: DependencyReport) -> String {
        let entries = report.vulnerabilities.map {
            Entry(ecosystem: $0.package.ecosystem.rawValue, package: $0.package.name, version: $0.package.version, file: $0.package.file,
                  line: $0.package.line, advisory: $0.advisory.id, aliases: $0.advisory.aliases, severity: $0.severity,
                  summary: $0.advisory.summary, fixed: $0.fixedVersion)
        }
        return JSONReport.encode(["vulnerabilities": entries]) + "\n"
    }
}
