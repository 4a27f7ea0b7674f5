import Foundation

/// SARIF 2.1.0 for GitHub code scanning: one rule per check, one result per failed or suppressed
/// finding, with paths relative to the repository root so annotations land on the right lines.
public enum SARIFReport {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

    struct Log: Encodable {
        var schema = SARIFReport.schemaURI
        var version = "2.1.0"
        var runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", version, runs
        }
    }

    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
    }

    struct Tool: Encodable {
        var driver: Driver
    }

    struct Driver: Encodable {
        var name = "palisade"
        var informationUri = "https://github.com/palisade-security/palisade"
        var version: String
        var rules: [Rule]
    }

    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Text
        var help: Text
        var defaultConfiguration: Configuration
        var properties: RuleProperties
    }

    struct RuleProperties: Encodable {
        var tags: [String]
        var securitySeverity: String

        enum CodingKeys: String, CodingKey {
            case tags, securitySeverity = "security-severity"
        }
    }

    struct Configuration: Encodable {
        var level: String
    }

    struct Text: Encodable {
        var text: String
    }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Text
        var locations: [Location]
        var suppressions: [SARIFSuppression]?
    }

    struct SARIFSuppression: Encodable {
        var kind = "inSource"
        var justification: String
    }

    struct Location: Encodable {
        var physicalLocation: PhysicalLocation
        var logicalLocations: [LogicalLocation]
    }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }

    struct ArtifactLocation: Encodable {
        var uri: String
    }

    struct Region: Encodable {
        var startLine: Int
    }

    struct LogicalLocation: Encodable {
        var fullyQualifiedName: String
    }

    public static func render(_ report: ScanReport, checks: [any PostureCheck], version: String, relativeTo base: String) -> String {
        let rules = checks.map { check in
            Rule(id: check.id, name: check.title.replacingOccurrences(of: " ", with: ""), shortDescription: Text(text: check.title),
                 help: Text(text: check.remediation), defaultConfiguration: Configuration(level: level(check.severity)),
                 properties: RuleProperties(tags: ["security"] + check.equivalents, securitySeverity: securityScore(check.severity)))
        }
        let index = Dictionary(uniqueKeysWithValues: checks.enumerated().map { ($1.id, $0) })
        let results = report.findings.filter { $0.status != .passed }.map { finding in
            Result(ruleId: finding.checkID, ruleIndex: index[finding.checkID] ?? 0, level: level(finding.severity),
                   message: Text(text: "\(finding.resource): \(finding.message)"),
                   locations: [Location(
                       physicalLocation: PhysicalLocation(artifactLocation: ArtifactLocation(uri: relative(finding.file, to: base)),
                                                          region: Region(startLine: max(1, finding.line))),
                       logicalLocations: [LogicalLocation(fullyQualifiedName: finding.resource)])],
                   suppressions: finding.suppression.map { [SARIFSuppression(justification: $0)] })
        }
        return JSONReport.encode(Log(runs: [Run(tool: Tool(driver: Driver(version: version, rules: rules)), results: results)]))
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .info: return "note"
        }
    }

    /// GitHub ranks security alerts by this CVSS-like score.
    static func securityScore(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "9.5"
        case .high: return "8.0"
        case .medium: return "5.5"
        case .low: return "3.0"
        case .info: return "0.0"
        }
    }

    /// A path relative to `base` with forward slashes, as SARIF URIs need.
    static func relative(_ path: String, to base: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let root = URL(fileURLWithPath: base).standardizedFileURL.path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        let trimmed = absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
        return trimmed.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? trimmed
    }
}
