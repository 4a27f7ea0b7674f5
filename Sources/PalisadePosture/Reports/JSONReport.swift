import Foundation

/// The machine-readable report: one object per result with Checkov-comparable fields, plus the
/// files that could not be scanned.
public enum JSONReport {
    public static func render(_ report: ScanReport) -> String {
        var out = ""
        write(report, to: &out)
        return out
    }

    /// Written by hand rather than through `JSONEncoder`, and result by result into `out`: a large scan
    /// has tens of thousands of results, and encoding them through Codable, or holding the whole text,
    /// costs more time and memory than the scan itself.
    public static func write(_ report: ScanReport, to out: inout some TextOutputStream) {
        out.write("{\n  \"errors\" : [")
        for (index, error) in report.errors.enumerated() {
            out.write(index == 0 ? "\n" : ",\n")
            out.write("    {\"code\": \(quote(error.code.rawValue)), \"file\": \(error.file.map(quote) ?? "null"), ")
            out.write("\"line\": \(error.line.map(String.init) ?? "null"), \"message\": \(quote(error.message))}")
        }
        out.write(report.errors.isEmpty ? "],\n  \"results\" : [" : "\n  ],\n  \"results\" : [")
        var counts: [String: Int] = [:]
        for (index, finding) in report.findings.enumerated() {
            counts[finding.status.rawValue, default: 0] += 1
            var line = index == 0 ? "\n" : ",\n"
            line += "    {\"check\": \(quote(finding.checkID)), \"equivalents\": [\(finding.equivalents.map(quote).joined(separator: ", "))], "
            line += "\"file\": \(quote(finding.file)), \"line\": \(finding.line), \"message\": \(quote(finding.message)), "
            line += "\"resource\": \(quote(finding.resource)), \"severity\": \(quote(finding.severity.rawValue)), "
            line += "\"status\": \(quote(finding.status.rawValue))"
            if let suppression = finding.suppression { line += ", \"suppression\": \(quote(suppression))" }
            line += ", \"title\": \(quote(finding.title))}"
            out.write(line)
        }
        out.write(report.findings.isEmpty ? "],\n" : "\n  ],\n")
        let summary = counts.sorted { $0.key < $1.key }.map { "\(quote($0.key)): \($0.value)" }.joined(separator: ", ")
        out.write("  \"summary\" : {\(summary)}\n}")
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
