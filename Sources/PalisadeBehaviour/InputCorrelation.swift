import PalisadeDetect
import PalisadeSystem

/// Which input of the invocation shaped an operation, and how: the guard's answer to "who did this".
public struct InputCorrelation: Sendable, Equatable {
    /// The input's location, e.g. `queryStringParameters.document_url`.
    public var location: String
    /// The input's decoded value.
    public var evidence: String
    /// What the input contributed, e.g. `shell operator ';' from input`.
    public var why: String

    public init(location: String, evidence: String, why: String) {
        self.location = location
        self.evidence = evidence
        self.why = why
    }

    /// Shorter inputs occur everywhere by chance.
    static let minimumLength = 3
    /// Headers that name the caller's own host, which functions legitimately call back.
    static let hostHeaders: Set<String> = ["host", "origin", "referer", "x-forwarded-host", "x-forwarded-for"]

    /// An input that contributes a live shell operator or substitution, or a whole program name.
    public static func command(_ command: ShellCommand, argv: [String], inputs: [Input]) -> InputCorrelation? {
        let subject = Array((command.script ?? command.commandLine).utf8)
        let syntax: ShellCommand.Syntax
        if command.script != nil {
            syntax = ShellCommand.syntax(of: subject)
        } else {
            // No shell reads the words: only the program itself can come from an input.
            let program = argv.first.map { Array($0.utf8) } ?? []
            syntax = ShellCommand.Syntax(operators: [], programWords: program.isEmpty ? [] : [0..<program.count])
        }
        return firstMatch(in: subject, inputs: inputs) { range in
            if let live = syntax.operators.first(where: { range.contains($0.position) }) {
                return live.text == "$(" || live.text == "`" ? "command substitution '\(live.text)' from input" : "shell operator '\(live.text)' from input"
            }
            if let word = syntax.programWords.first(where: { range.lowerBound <= $0.lowerBound && $0.upperBound <= range.upperBound }) {
                return "program name '\(String(decoding: subject[word], as: UTF8.self))' from input"
            }
            return nil
        }
    }

    /// An input that contributes a `..` segment or the start of an absolute path. Code that
    /// normalises before opening (Node's `path.join`) removes the `..`: an input with `..` segments
    /// whose remainder ends the opened path counts too.
    public static func path(_ path: String, inputs: [Input]) -> InputCorrelation? {
        let subject = Array(path.utf8)
        let parents = PathName.parentSegments(subject)
        let written = firstMatch(in: subject, inputs: inputs) { range in
            if parents.contains(where: { range.overlaps($0) }) { return "'..' segment from input" }
            if range.lowerBound == 0, subject.first == UInt8(ascii: "/") { return "absolute path from input" }
            return nil
        }
        if let written { return written }
        for input in inputs where input.value.count >= minimumLength {
            guard let last = PathName.parentSegments(input.value).last else { continue }
            let remainder = Array(input.value[last.upperBound...].drop { $0 == UInt8(ascii: "/") })
            guard remainder.count >= minimumLength, subject.count > remainder.count,
                  subject.suffix(remainder.count).elementsEqual(remainder), subject[subject.count - remainder.count - 1] == UInt8(ascii: "/") else { continue }
            return InputCorrelation(location: input.location, evidence: String(decoding: input.value, as: UTF8.self), why: "'..' segment from input (resolved by the function)")
        }
        return nil
    }

    /// An input that names the host (or address) the function connects to or resolves.
    public static func host(_ host: String, inputs: [Input]) -> InputCorrelation? {
        let needle = Array(host.lowercased().utf8)
        guard needle.count >= minimumLength else { return nil }
        for input in inputs where !input.isKey && !isHostHeader(input.location) {
            let value = input.value.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            if ByteSearch.firstRange(of: needle, in: value) != nil {
                return InputCorrelation(location: input.location, evidence: String(decoding: input.value, as: UTF8.self), why: "host '\(host)' from input")
            }
        }
        return nil
    }

    static func isHostHeader(_ location: String) -> Bool {
        guard location.hasPrefix("headers.") || location.hasPrefix("multiValueHeaders.") else { return false }
        let name = location.split(separator: ".").dropFirst().first.map { $0.lowercased() } ?? ""
        return hostHeaders.contains(name)
    }

    /// The first input found in `subject` for which `explain` finds a structural contribution.
    static func firstMatch(in subject: [UInt8], inputs: [Input], explain: (Range<Int>) -> String?) -> InputCorrelation? {
        for input in inputs where input.value.count >= minimumLength {
            var start = 0
            while let range = ByteSearch.firstRange(of: input.value, in: subject, from: start) {
                if let why = explain(range) {
                    return InputCorrelation(location: input.location, evidence: String(decoding: input.value, as: UTF8.self), why: why)
                }
                start = range.lowerBound + 1
            }
        }
        return nil
    }
}
