import Foundation

/// The machine-readable report: one object per result with Checkov-comparable fields, plus the
/// files that could not be scanned.
public enum JSONReport {
    struct Document: Encodable {
        var results: [Result]
        var errors: [ErrorEntry]
        var summary: [String: Int]
    }

    struct Result: Encodable {
        var check: String
        var title: String
        var equivalents: [String]
        var resource: String
        var file: String
        var line: Int
        var status: Finding.Status
        var severity: Severity
        var message: String
        var suppression: String?
    }

    struct ErrorEntry: Encodable {
        var code: String
        var file: String?
        var line: Int?
        var message: String
    }

    public static func render(_ report: ScanReport) -> String {
        let document = Document(
            results: report.findings.map {
                Result(check: $0.checkID, title: $0.title, equivalents: $0.equivalents, resource: $0.resource, file: $0.file,
                       line: $0.line, status: $0.status, severity: $0.severity, message: $0.message, suppression: $0.suppression)
            },
            errors: report.errors.map { ErrorEntry(code: $0.code.rawValue, file: $0.file, line: $0.line, message: $0.message) },
            summary: Dictionary(grouping: report.findings, by: \.status.rawValue).mapValues(\.count))
        return encode(document)
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and numbers cannot fail.
        let data = (try? encoder.encode(value)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
