import Foundation

/// The machine-readable report: one object per result with Checkov-comparable fields, plus the
/// files that could not be scanned.
public enum JSONReport {
    /// Written by hand rather than through `JSONEncoder`: a large scan has tens of thousands of
    /// results, and encoding them through Codable costs more time and memory than the scan itself.
    public static func render(_ report: ScanReport) -> String {
        var out = "{\n  \"errors\" : ["
        for (index, error) in report.errors.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "    {\"code\": \(quote(error.code.rawValue)), \"file\": \(error.file.map(quote) ?? "null"), "
            out += "\"line\": \(error.line.map(String.init) ?? "null"), \"message\": \(quote(error.message))}"
        }
        out += report.errors.isEmpty ? "],\n  \"results\" : [" : "\n  ],\n  \"results\" : ["
        out.reserveCapacity(out.utf8.count + report.findings.count * 320)
        for (index, finding) in report.findings.enumerated() {
            out += index == 0 ? "\n" : ",\n"
            out += "    {\"check\": \(quote(finding.checkID)), \"equivalents\": [\(finding.equivalents.map(quote).joined(separator: ", "))], "
            out += "\"file\": \(quote(finding.file)), \"line\": \(finding.line), \"message\": \(quote(finding.message)), "
            out += "\"resource\": \(quote(finding.resource)), \"severity\": \(quote(finding.severity.rawValue)), "
            out += "\"status\": \(quote(finding.status.rawValue))"
            if let suppression = finding.suppression { out += ", \"suppression\": \(quote(suppression))" }
            out += ", \"title\": \(quote(finding.title))}"
        }
        out += report.findings.isEmpty ? "],\n" : "\n  ],\n"
        let counts = Dictionary(grouping: report.findings, by: \.status.rawValue).mapValues(\.count).sorted { $0.key < $1.key }
        out += "  \"summary\" : {\(counts.map { "\(quote($0.key)): \($0.value)" }.joined(separator: ", "))}\n}"
        return out
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and numbers cannot fail.
        let data = (try? encoder.encode(value)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
