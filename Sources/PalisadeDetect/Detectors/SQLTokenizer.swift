/// One SQL token over lowercased input.
struct SQLToken {
    enum Kind: Equatable {
        case string, number, word, keyword, function, logic, compare, arithmetic, concat
        case lparen, rparen, comma, semicolon, comment, variable, breakout, other
    }

    enum Keyword: String, CaseIterable {
        case select, union, insert, update, delete, drop, create, alter, exec, execute, declare, truncate, shutdown, waitfor
        case from, `where`, into, values, set, having, group, order, by, limit, like, rlike, regexp, between, `in`, `is`
        case null, `true`, `false`, not, all, distinct, outfile, dumpfile, delay, procedure, table, database, user, view, function, trigger, index

        var startsStatement: Bool {
            switch self {
            case .select, .insert, .update, .delete, .drop, .create, .alter, .exec, .execute, .declare, .truncate, .shutdown, .waitfor: true
            default: false
            }
        }

        var followsBreakout: Bool {
            switch self {
            case .having, .group, .order, .into, .procedure, .waitfor: true
            default: false
            }
        }

        var isObjectType: Bool {
            switch self {
            case .table, .database, .user, .view, .function, .procedure, .trigger, .index: true
            default: false
            }
        }
    }

    var kind: Kind
    var range: Range<Int>
    var keyword: Keyword?
    /// A comment comes right after this token (before any other token).
    var beforeComment = false
    var isDangerousFunction = false
    var isSystemVariable = false
}

/// Splits lowercased input into SQL tokens. With `openQuote`, the input is read as if it followed an
/// opening quote in the query: everything up to the first matching quote is string, then a `breakout`.
struct SQLTokenizer {
    let bytes: [UInt8]
    let openQuote: UInt8?
    /// Enough for any injection; the rest of a long text is prose or data.
    static let maxTokens = 512

    static let logicWords = WordList(["and", "or", "xor", "div", "mod"])
    static let keywords = WordTable(SQLToken.Keyword.allCases.map { ($0.rawValue, $0) })
    /// Functions used for timing, file access or error-based extraction; ordinary ones (`concat`,
    /// `convert`) appear in prose and in honest queries, so they are not on this list.
    static let dangerousFunctionNames = [
        "sleep", "benchmark", "pg_sleep", "load_file", "extractvalue", "updatexml", "dbms_pipe.receive_message",
        "utl_inaddr.get_host_address", "utl_http.request", "xp_cmdshell", "sys_exec", "sys_eval", "dbms_lock.sleep",
        "name_const", "pg_read_file", "randomblob", "waitfor",
    ]
    static let dangerousFunctions = WordList(dangerousFunctionNames)
    static let systemVariables = WordList(["@@version", "@@datadir", "@@hostname", "@@basedir", "@@servername", "@@tmpdir", "@@version_compile_os"])

    init(_ bytes: [UInt8], openQuote: UInt8?) {
        self.bytes = bytes
        self.openQuote = openQuote
    }

    /// The tokens into `tokens` (emptied first, its storage reused), comments left out: they only
    /// mark the token before them, which is all the rules ask of a comment.
    func tokenize(into tokens: inout [SQLToken]) {
        tokens.removeAll(keepingCapacity: true)
        // Comments count towards `maxTokens` as they did when they were tokens.
        var count = 0
        var lastWasComment = false
        var index = 0
        if let quote = openQuote {
            guard let close = closingQuote(quote, from: 0) else { return }
            tokens.append(SQLToken(kind: .string, range: 0..<close))
            tokens.append(SQLToken(kind: .breakout, range: close..<close + 1))
            count = 2
            index = close + 1
        }
        while index < bytes.count, count < Self.maxTokens {
            let byte = bytes[index]
            let next: UInt8 = index + 1 < bytes.count ? bytes[index + 1] : 0
            if ByteScan.isSpace(byte) {
                index += 1
                continue
            }
            let isDigit = { (value: UInt8) in value >= 0x30 && value <= 0x39 }
            let startsNumber = isDigit(byte) || (byte == UInt8(ascii: ".") && isDigit(next))
            let startsComparison = byte == UInt8(ascii: "=") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || (byte == UInt8(ascii: "!") && next == UInt8(ascii: "="))
            var token: SQLToken
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                let end = (closingQuote(byte, from: index + 1) ?? bytes.count - 1) + 1
                token = SQLToken(kind: byte == UInt8(ascii: "`") ? .word : .string, range: index..<end)
            case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                if index + 2 < bytes.count, bytes[index + 2] == UInt8(ascii: "!") {
                    // MySQL executes `/*!50000 … */`: read what is inside as code.
                    index += 3
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                    continue
                }
                let end = ByteScan.find(ByteScan.commentClose, in: bytes, from: index + 2).map { $0 + 2 } ?? bytes.count
                token = SQLToken(kind: .comment, range: index..<end)
            case UInt8(ascii: "*") where next == UInt8(ascii: "/"):
                index += 2
                continue
            case UInt8(ascii: "-") where next == UInt8(ascii: "-"), UInt8(ascii: "#"):
                let end = bytes[index...].firstIndex(of: 0x0A) ?? bytes.count
                token = SQLToken(kind: .comment, range: index..<end)
            case _ where startsNumber:
                var end = index + 1
                while end < bytes.count, ByteScan.isIdentifier(bytes[end]) || bytes[end] == UInt8(ascii: ".") { end += 1 }
                token = SQLToken(kind: .number, range: index..<end)
            case UInt8(ascii: "@"):
                var end = index + 1
                while end < bytes.count, ByteScan.isIdentifier(bytes[end]) || bytes[end] == UInt8(ascii: "@") || bytes[end] == UInt8(ascii: ".") { end += 1 }
                token = SQLToken(kind: .variable, range: index..<end)
                token.isSystemVariable = Self.systemVariables.contains(bytes[index..<end])
            case _ where ByteScan.isIdentifier(byte):
                var end = index + 1
                while end < bytes.count, ByteScan.isIdentifier(bytes[end]) || bytes[end] == UInt8(ascii: ".") { end += 1 }
                token = classifyWord(index..<end)
            case UInt8(ascii: "("): token = SQLToken(kind: .lparen, range: index..<index + 1)
            case UInt8(ascii: ")"): token = SQLToken(kind: .rparen, range: index..<index + 1)
            case UInt8(ascii: ","): token = SQLToken(kind: .comma, range: index..<index + 1)
            case UInt8(ascii: ";"): token = SQLToken(kind: .semicolon, range: index..<index + 1)
            case UInt8(ascii: "|") where next == UInt8(ascii: "|"), UInt8(ascii: "&") where next == UInt8(ascii: "&"):
                token = SQLToken(kind: byte == UInt8(ascii: "|") ? .concat : .logic, range: index..<index + 2)
                if byte == UInt8(ascii: "|") { token.kind = .logic }
            case _ where startsComparison:
                var end = index + 1
                while end < bytes.count, end < index + 3, bytes[end] == UInt8(ascii: "=") || bytes[end] == UInt8(ascii: "<") || bytes[end] == UInt8(ascii: ">") { end += 1 }
                token = SQLToken(kind: .compare, range: index..<end)
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"), UInt8(ascii: "^"),
                 UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "~"):
                token = SQLToken(kind: .arithmetic, range: index..<index + 1)
            default:
                token = SQLToken(kind: .other, range: index..<index + 1)
            }
            count += 1
            index = max(token.range.upperBound, index + 1)
            if token.kind == .comment {
                // A second comment in a row marked the first one, which is left out.
                if !lastWasComment, !tokens.isEmpty { tokens[tokens.count - 1].beforeComment = true }
                lastWasComment = true
                continue
            }
            lastWasComment = false
            tokens.append(token)
        }
    }

    /// The closing quote, treating a doubled quote and a backslash as escapes (MySQL reads both).
    func closingQuote(_ quote: UInt8, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if byte == quote {
                if index + 1 < bytes.count, bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index
            }
            index += 1
        }
        return nil
    }

    func classifyWord(_ range: Range<Int>) -> SQLToken {
        let word = bytes[range]
        if Self.logicWords.contains(word) { return SQLToken(kind: .logic, range: range) }
        if ByteScan.isCall(bytes, after: range.upperBound) != nil {
            var token = SQLToken(kind: .function, range: range)
            token.isDangerousFunction = Self.dangerousFunctions.contains(word)
            return token
        }
        if let keyword = Self.keywords.value(of: word) {
            return SQLToken(kind: keyword == .not ? .logic : .keyword, range: range, keyword: keyword)
        }
        return SQLToken(kind: .word, range: range)
    }
}
