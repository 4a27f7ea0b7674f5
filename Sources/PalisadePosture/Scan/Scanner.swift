import Foundation

/// Finds templates under the given paths, loads each into an inventory and runs the checks. A file
/// that cannot be read or parsed becomes an error in the report and the scan goes on.
public struct Scanner: Sendable {
    public var checks: [any PostureCheck]
    public var context: CheckContext
    /// Values for `${env:…}` in serverless.yml files.
    public var environment: [String: String]
    /// Values for `${opt:…}` in serverless.yml files (`stage`, `region`, …).
    public var options: [String: String]

    public init(checks: [any PostureCheck] = CheckRegistry.all, context: CheckContext,
                environment: [String: String] = [:], options: [String: String] = [:]) {
        self.checks = checks
        self.context = context
        self.environment = environment
        self.options = options
    }

    public func scan(paths: [String]) -> ScanReport {
        var inventory = Inventory()
        var errors: [PostureError] = []
        for file in Self.templateFiles(under: paths, errors: &errors) {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                errors.append(PostureError(.unreadableFile, file: file, "cannot read the file as UTF-8 text"))
                continue
            }
            do throws(PostureError) {
                if let loaded = try load(text: text, file: file) {
                    inventory.append(loaded)
                    let (suppressions, suppressionErrors) = Suppressions.read(text, file: file)
                    inventory.suppressions[file, default: []] += suppressions
                    errors += suppressionErrors
                }
            } catch {
                errors.append(error)
            }
        }
        return ScanReport(findings: evaluate(inventory), errors: errors)
    }

    /// The inventory of one file, or `nil` when the file is not a template (a lock file, a config).
    public func load(text: String, file: String) throws(PostureError) -> Inventory? {
        let name = (file as NSString).lastPathComponent
        if name == "serverless.yml" || name == "serverless.yaml" {
            let raw = try YAMLReader.parse(text, file: file)
            return try ServerlessLoader(file: file, raw: raw, environment: environment, options: options).load()
        }
        guard text.contains("Resources") || text.contains("AWSTemplateFormatVersion") else { return nil }
        let root = try YAMLReader.parse(text, file: file)
        guard root["Resources"] != nil || root["AWSTemplateFormatVersion"] != nil else { return nil }
        return try CloudFormationLoader(file: file, root: root).load()
    }

    public func evaluate(_ inventory: Inventory) -> [Finding] {
        var findings: [Finding] = []
        for check in checks {
            for result in check.evaluate(inventory, context) {
                let suppression = result.passed ? nil : inventory.suppressions[result.ref.file]?.first { suppression in
                    suppression.checkID == check.id && (result.ref.line...max(result.ref.line, result.ref.endLine)).contains(suppression.line)
                }
                let status: Finding.Status = result.passed ? .passed : (suppression == nil ? .failed : .skipped)
                findings.append(Finding(check: check, result: result, status: status, suppression: suppression?.reason))
            }
        }
        return findings
    }
    static func templateFiles(under paths: [String], errors: inout [PostureError]) -> [String] {
        let extensions: Set<String> = ["yaml", "yml", "json", "template"]
        return FileWalker.files(under: paths, errors: &errors) { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
    }
}
