import Foundation

/// Inline suppressions: `# palisade:skip=PAL-FN-006 reason` anywhere inside a resource's lines turns
/// that check's failure into `skipped`. A suppression without a reason is an error, not a silent skip.
enum Suppressions {
    static let marker = "palisade:skip="

    static func read(_ text: String, file: String) -> (suppressions: [Suppression], errors: [PostureError]) {
        var suppressions: [Suppression] = []
        var errors: [PostureError] = []
        guard text.contains(marker) else { return ([], []) }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let range = line.range(of: marker) else { continue }
            let rest = line[range.upperBound...]
            let id = String(rest.prefix { !$0.isWhitespace && $0 != ":" && $0 != "," })
            let reason = rest.dropFirst(id.count).drop { $0 == ":" || $0 == "," || $0.isWhitespace }
                .trimmingCharacters(in: .whitespaces)
            if CheckRegistry.check(id: id) == nil {
                errors.append(PostureError(.invalidSuppression, file: file, line: index + 1, "unknown check id `\(id)` in suppression"))
            } else if reason.isEmpty {
                errors.append(PostureError(.invalidSuppression, file: file, line: index + 1, "suppression of \(id) needs a reason after the id"))
            } else {
                suppressions.append(Suppression(checkID: id, reason: reason, line: index + 1))
            }
        }
        return (suppressions, errors)
    }
}
