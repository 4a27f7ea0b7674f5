/// An anchored PCRE2 allow rule built from observed command lines. Words that vary from run to run
/// in a harmless way (a whole number, a path under /tmp) become character classes that cannot hold a
/// shell operator, quote, `$`, backtick or `..`; everything else is matched literally.
public struct CommandPattern: Sendable, Hashable {
    /// One word of a command line (words are separated by single spaces, empty words kept so that
    /// the rule matches the exact spacing).
    enum Word: Sendable, Hashable, Comparable {
        case literal(String)
        case number
        /// `prefix` (e.g. `--out=`) followed by an absolute path below /tmp.
        case temporaryPath(prefix: String)

        var regex: String {
            switch self {
            case .literal(let text): CommandPattern.escaped(text)
            case .number: "[0-9]+"
            case .temporaryPath(let prefix): CommandPattern.escaped(prefix) + CommandPattern.temporaryPathClass
            }
        }

        static func < (lhs: Word, rhs: Word) -> Bool { lhs.regex < rhs.regex }
    }

    /// Path segments below /tmp: no leading dot (so neither `..` nor hidden files), no shell syntax.
    static let temporaryPathClass = "/tmp(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+"

    /// Each slot holds the words seen at that position; more than one becomes an alternation.
    var slots: [[Word]]

    public init(command: String) {
        slots = command.split(separator: " ", omittingEmptySubsequences: false).map { [Self.word(String($0))] }
    }

    /// The rule's text, e.g. `^echo (?:hello|world)$`.
    public var regex: String {
        "^" + slots.map { words in
            words.count == 1 ? words[0].regex : "(?:" + words.map(\.regex).joined(separator: "|") + ")"
        }.joined(separator: " ") + "$"
    }

    /// Two patterns of the same length that differ in one slot become one with both words there.
    func merged(with other: CommandPattern) -> CommandPattern? {
        guard slots.count == other.slots.count else { return nil }
        var differing: Int?
        for index in slots.indices where slots[index] != other.slots[index] {
            guard differing == nil else { return nil }
            differing = index
        }
        guard let differing else { return self }
        var result = self
        result.slots[differing] = Array(Set(slots[differing] + other.slots[differing])).sorted()
        return result
    }

    /// The smallest set of patterns covering every command: equal ones collapse, near ones merge.
    public static func covering(_ commands: [String]) -> [CommandPattern] {
        var patterns: [CommandPattern] = []
        for command in commands {
            let pattern = CommandPattern(command: command)
            if let index = patterns.firstIndex(where: { $0.merged(with: pattern) != nil }), let merged = patterns[index].merged(with: pattern) {
                patterns[index] = merged
            } else {
                patterns.append(pattern)
            }
        }
        return patterns.sorted { $0.regex < $1.regex }
    }

    static func word(_ text: String) -> Word {
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return .number
        }
        if let start = text.firstRange(of: "/tmp/")?.lowerBound {
            let prefix = String(text[..<start])
            let path = text[start...]
            let prefixIsOption = prefix.isEmpty || (prefix.hasSuffix("=") && prefix.utf8.allSatisfy(isOptionByte))
            if prefixIsOption, isTemporaryPath(path) { return .temporaryPath(prefix: prefix) }
        }
        return .literal(text)
    }

    static func isOptionByte(_ byte: UInt8) -> Bool {
        isPathByte(byte) || byte == UInt8(ascii: "=")
    }

    static func isPathByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."): true
        default: false
        }
    }

    /// `/tmp/a/b.txt` yes; `/tmp/`, `/tmp/../etc`, `/tmp/.x`, `/tmp/a;b` no.
    static func isTemporaryPath(_ path: Substring) -> Bool {
        let segments = path.utf8.dropFirst(5).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        return !segments.isEmpty && segments.allSatisfy { segment in
            guard let first = segment.first, first != UInt8(ascii: ".") else { return false }
            return segment.allSatisfy(isPathByte)
        }
    }

    /// PCRE2 literal text: metacharacters get a backslash, control bytes a `\x{..}` escape.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "^", "$", ".", "|", "?", "*", "+", "(", ")", "[", "]", "{", "}":
                result += "\\" + String(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\x{" + String(scalar.value, radix: 16) + "}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
