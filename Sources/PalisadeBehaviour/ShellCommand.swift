/// What a command line means to a shell: the `-c` script of `sh -c`, and in a script the operators
/// that are live (not quoted) and the words that name programs.
public struct ShellCommand: Sendable, Equatable {
    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ash", "ksh", "mksh"]

    /// argv joined by single spaces: what allow rules match.
    public let commandLine: String
    /// The script of `sh -c S`, `bash -lc S`, `busybox sh -c S`; `nil` for other programs.
    public let script: String?
    public let program: String

    public init(argv: [String]) {
        commandLine = argv.joined(separator: " ")
        var arguments = argv[...]
        if let first = arguments.first, Self.basename(first) == "busybox" { arguments = arguments.dropFirst() }
        program = arguments.first.map(Self.basename) ?? ""
        var script: String?
        if Self.shells.contains(program) {
            var rest = arguments.dropFirst()
            while let argument = rest.first, argument.hasPrefix("-"), argument != "--", argument != "-" {
                rest = rest.dropFirst()
                if !argument.hasPrefix("--"), argument.contains("c") {
                    script = rest.first
                    break
                }
            }
        }
        self.script = script
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The live shell syntax of a script: operator positions and program-name words.
    struct Syntax {
        var operators: [(position: Int, text: String)] = []
        var programWords: [Range<Int>] = []
    }

    /// A small POSIX-shell lexer: single quotes hide everything, double quotes hide all but `$(`
    /// and backticks, a backslash hides the next byte.
    static func syntax(of script: [UInt8]) -> Syntax {
        enum Quote { case none, single, double }
        var syntax = Syntax()
        var quote = Quote.none
        var index = 0
        var commandPosition = true
        var wordStart: Int?
        func endWord(at end: Int) {
            if let start = wordStart, commandPosition {
                let word = script[start..<end]
                // `NAME=value` before a command is an assignment, not the program.
                if !(word.contains(UInt8(ascii: "=")) && word.first != UInt8(ascii: "=")) { syntax.programWords.append(start..<end); commandPosition = false }
            } else if wordStart != nil {
                commandPosition = false
            }
            wordStart = nil
        }
        while index < script.count {
            let byte = script[index]
            switch quote {
            case .single:
                if byte == UInt8(ascii: "'") { quote = .none }
                index += 1
                continue
            case .double:
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") { quote = .none }
                else if byte == UInt8(ascii: "`") { syntax.operators.append((index, "`")) }
                else if byte == UInt8(ascii: "$"), index + 1 < script.count, script[index + 1] == UInt8(ascii: "(") { syntax.operators.append((index, "$(")) }
                index += 1
                continue
            case .none:
                break
            }
            switch byte {
            case UInt8(ascii: "\\"):
                if wordStart == nil { wordStart = index }
                index += 2
            case UInt8(ascii: "'"):
                if wordStart == nil { wordStart = index }
                quote = .single
                index += 1
            case UInt8(ascii: "\""):
                if wordStart == nil { wordStart = index }
                quote = .double
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                endWord(at: index)
                index += 1
            case UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "\n"), UInt8(ascii: "`"), UInt8(ascii: "("), UInt8(ascii: ")"):
                endWord(at: index)
                let text = byte == UInt8(ascii: "\n") ? "newline" : String(UnicodeScalar(byte))
                if byte != UInt8(ascii: "(") && byte != UInt8(ascii: ")") { syntax.operators.append((index, text)) }
                commandPosition = true
                index += 1
            case UInt8(ascii: ">"), UInt8(ascii: "<"):
                endWord(at: index)
                syntax.operators.append((index, String(UnicodeScalar(byte))))
                index += 1
            case UInt8(ascii: "$") where index + 1 < script.count && script[index + 1] == UInt8(ascii: "("):
                endWord(at: index)
                syntax.operators.append((index, "$("))
                commandPosition = true
                index += 2
            default:
                if wordStart == nil { wordStart = index }
                index += 1
            }
        }
        endWord(at: min(index, script.count))
        return syntax
    }
}
