/// SQL injection found by tokenising the input as SQL, the way the database would read it once the
/// value is pasted into a query: as-is (numeric context), and after a `'` or `"` (string context).
/// Rules look for structure an honest value never has: a quote that closes the string and is followed
/// by logic, a comment or a new statement; `UNION SELECT`; stacked statements; timing functions.
struct SQLInjectionDetector {
    /// Quotes always get a look; without one, SQL needs one of these to change a query's meaning.
    static let quotes = ByteSet("'\"`")
    /// A quote, or a needle of one byte (`;`, `#`): such a needle needs no needle pass to be found.
    static let quotesAndSingleByteNeedles = needles.filter { $0.utf8.count == 1 }.reduce(quotes) { $0.union(ByteSet(Array($1.utf8))) }
    static let needles = [
        ";", "--", "#", "/*", "@@", "||", "&&", " or ", " and ", " xor ", ")or", ")and", "union", "select", "sleep", "benchmark",
        "waitfor", "extractvalue", "updatexml", "load_file", "xp_cmdshell", "utl_inaddr", "dbms_pipe", "name_const", "randomblob",
    ]

    /// Bytes that end an identifier (with its dots): an input without one is a single token, perhaps
    /// after dots, and no rule reads a single token.
    static let separators = ByteSet((0..<128).map(UInt8.init).filter { !ByteScan.isIdentifier($0) && $0 != UInt8(ascii: ".") })

    /// Separators that make a token of their own between words and numbers, or a comment that runs to
    /// the end (no newline among them), and nothing more. An input whose separators are only these
    /// (`2026-11-25T08:00:00+01:00`, `Content-Type`, `free-shipping>=50:a`) has no quote, no call, no
    /// variable, no logic word right after a leading number and no two keywords side by side: of all
    /// the rules only `SELECT … FROM` can fire, and it needs the letters of both.
    static let inertSeparators = ByteSet("-:+,=?!%[]{}~^<>#\\")
    static let structuralSeparators = ByteSet((0..<128).map(UInt8.init).filter { separators.contains($0) && !inertSeparators.contains($0) })
    static let selectFromBytes = ByteSet("selectfrom")

    /// The contexts read: as-is, then after each quote the input holds.
    static let contexts: [UInt8?] = [nil, UInt8(ascii: "'"), UInt8(ascii: "\"")]

    func scan(_ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        guard input.present.intersects(Self.structuralSeparators) || Self.selectFromBytes.isSubset(of: input.present.addingLowercase) else { return }
        // Without a quote, the needle pass (shared with other detectors) turns nearly every input away
        // first; with one, `mayMatch` spares the two or three tokenizations. A `;` or `#` is a needle
        // by itself, so an input holding one needs no pass to say so.
        guard input.present.intersects(Self.quotesAndSingleByteNeedles) || scratch.hasNeedle(of: .sqli, in: input), Self.mayMatch(input) else { return }
        for context in Self.contexts where context.map(input.present.contains) ?? true {
            SQLTokenizer(input.lower, openQuote: context).tokenize(into: &scratch.tokens)
            if let match = Self.analyse(scratch.tokens, quoted: context != nil) {
                matches.append(match)
                return
            }
        }
    }

    /// What a rule's tokens are made of, by when they count: every rule below needs a logic operator,
    /// `SELECT`, `@@`, a statement after `;`, a clause, comparison or comment after a closing `'` or
    /// `"`, or a dangerous function called with `(`.
    enum Trigger {
        static let always: UInt8 = 1, afterSemicolon: UInt8 = 2, afterQuote: UInt8 = 4, beforeParenthesis: UInt8 = 8
    }

    /// The words that make those tokens, with when each counts.
    static let triggerWords: WordTable<UInt8> = {
        var entries: [String: UInt8] = [:]
        for word in ["and", "or", "xor", "div", "mod", "not", "select"] { entries[word, default: 0] |= Trigger.always }
        for keyword in SQLToken.Keyword.allCases where keyword.startsStatement { entries[keyword.rawValue, default: 0] |= Trigger.afterSemicolon }
        for keyword in SQLToken.Keyword.allCases where keyword.followsBreakout { entries[keyword.rawValue, default: 0] |= Trigger.afterQuote }
        for function in SQLTokenizer.dangerousFunctionNames { entries[function, default: 0] |= Trigger.beforeParenthesis }
        return WordTable(entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }()

    /// Bytes that close a string context and then compare or open a comment.
    static let quoteContexts = ByteSet("'\"")
    static let afterQuoteBytes = ByteSet("=<>#")

    /// Inputs up to this long get the pass of `mayMatch`; it reads every byte, tokenizing stops early.
    static let maxCheckedLength = 1024

    /// The first eight bytes of the trigger words longer than seven.
    static let longTriggerPrefixes = triggerWords.longPrefixes
    /// Per byte: 1 a byte that starts a word, 2 a digit, a dot or 0xA0 (inside a word, or before one:
    /// the tokenizer skips 0xA0 as a space where a token starts), 0 a byte that ends it.
    static let wordBytes: [UInt8] = (0...255).map { byte in
        let byte = UInt8(byte)
        if (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".") || byte == 0xA0 { return 2 }
        return ByteScan.isIdentifier(byte) ? 1 : 0
    }

    /// Whether some context's tokens can hold what a rule needs (see `Trigger`): one pass over the
    /// bytes that spares the tokenizer the names, prose and addresses that merely have a quote or `;`.
    /// Over-inclusive by design: a word counts wherever the tokenizer could start it (after dots, 0xA0,
    /// or digits that `/*!50000` skips), and the pairs anywhere.
    static func mayMatch(_ input: ScanInput) -> Bool {
        // The tokenizer stops after `SQLTokenizer.maxTokens`; a pass over every byte of a long input
        // would cost more than the tokenizations it spares.
        guard input.lower.count <= maxCheckedLength else { return true }
        let present = input.present
        let quoted = present.intersects(quoteContexts)
        if quoted, present.intersects(afterQuoteBytes) { return true }
        var enabled = Trigger.always
        if present.contains(UInt8(ascii: ";")) { enabled |= Trigger.afterSemicolon }
        if quoted { enabled |= Trigger.afterQuote }
        if present.contains(UInt8(ascii: "(")) { enabled |= Trigger.beforeParenthesis }
        let text = input.lower
        // Read in place, the word packed as it is read: this runs on most inputs with punctuation.
        return text.withUnsafeBufferPointer { bytes in
            wordBytes.withUnsafeBufferPointer { kinds in
                var key: UInt64 = 0
                var length = 0
                var previous: UInt8 = 0
                /// Whether the word that ends before `end` is a trigger word that counts.
                func wordTriggers(endingAt end: Int) -> Bool {
                    if length < 8 {
                        return length >= 2 && (triggerWords.value(bytes: key, count: length) ?? 0) & enabled != 0
                    }
                    guard longTriggerPrefixes.contains(key) else { return false }
                    return (triggerWords.value(of: text[(end - length)..<end]) ?? 0) & enabled != 0
                }
                for index in 0..<bytes.count {
                    let byte = bytes[index]
                    let kind = kinds[Int(byte)]
                    if kind != 0 {
                        if kind == 1 || length > 0 {
                            if length < 8 { key |= UInt64(byte) << UInt64(8 * length) }
                            length += 1
                        }
                    } else {
                        if length > 0 {
                            if wordTriggers(endingAt: index) { return true }
                            key = 0
                            length = 0
                        }
                        if byte == previous, byte == UInt8(ascii: "&") || byte == UInt8(ascii: "|") || byte == UInt8(ascii: "@") || quoted && byte == UInt8(ascii: "-") {
                            return true
                        }
                        if quoted, previous == UInt8(ascii: "/"), byte == UInt8(ascii: "*") { return true }
                    }
                    previous = byte
                }
                return length > 0 && wordTriggers(endingAt: bytes.count)
            }
        }
    }

    /// Reads tokens without comments (`SQLTokenizer` leaves them out).
    static func analyse(_ tokens: [SQLToken], quoted: Bool) -> Match? {
        func kind(_ index: Int) -> SQLToken.Kind? { index < tokens.count ? tokens[index].kind : nil }
        func word(_ index: Int) -> SQLToken.Keyword? { index < tokens.count ? tokens[index].keyword : nil }
        func evidence(_ from: Int, _ count: Int = 6) -> Range<Int> {
            let last = min(tokens.count - 1, from + count)
            return tokens[from].range.lowerBound..<tokens[max(from, last)].range.upperBound
        }

        for (index, token) in tokens.enumerated() {
            switch token.kind {
            case .keyword where token.keyword == .union:
                var next = index + 1
                if word(next) == .all || word(next) == .distinct { next += 1 }
                while kind(next) == .lparen { next += 1 }
                if word(next) == .select {
                    return Match(category: .sqli, rule: "sqli.union-select", message: "UNION SELECT appends a query of the attacker's", evidence: evidence(index))
                }
            case .semicolon:
                if let statement = word(index + 1), statement.startsStatement, followsStatement(statement, tokens, index + 2) {
                    return Match(category: .sqli, rule: "sqli.stacked-query", message: "a second SQL statement after ';'", evidence: evidence(index))
                }
            case .breakout:
                if let match = afterBreakout(tokens, index) { return match }
            case .function:
                if let rule = dangerousCall(tokens, index) { return rule }
            case .variable:
                if token.isSystemVariable {
                    return Match(category: .sqli, rule: "sqli.system-variable", message: "reads a database system variable", evidence: evidence(index, 2))
                }
            case .keyword where token.keyword == .select:
                if selectsFrom(tokens, index) {
                    return Match(category: .sqli, rule: "sqli.select-from", message: "a complete SELECT … FROM query", evidence: evidence(index))
                }
            default:
                break
            }
        }
        if !quoted, let first = tokens.first, first.kind == .number || first.kind == .rparen {
            var index = 1
            while kind(index) == .rparen { index += 1 }
            if isBooleanTail(tokens, index) {
                return Match(category: .sqli, rule: "sqli.boolean-injection", message: "a number followed by an always-true or timing condition", evidence: evidence(0))
            }
        }
        return nil
    }

    /// After a quote that closes the string: what follows decides.
    static func afterBreakout(_ tokens: [SQLToken], _ index: Int) -> Match? {
        let breakout = tokens[index]
        if breakout.beforeComment {
            return Match(category: .sqli, rule: "sqli.comment-truncation", message: "a quote closes the string and a comment cuts off the rest of the query",
                         evidence: breakout.range.lowerBound..<min(breakout.range.upperBound + 3, tokens.last!.range.upperBound + 3))
        }
        var next = index + 1
        while next < tokens.count, tokens[next].kind == .rparen { next += 1 }
        guard next < tokens.count else { return nil }
        let token = tokens[next]
        let span = breakout.range.lowerBound..<tokens[min(tokens.count - 1, next + 5)].range.upperBound
        if isBooleanTail(tokens, next) {
            return Match(category: .sqli, rule: "sqli.boolean-injection", message: "a quote closes the string and adds an always-true or timing condition", evidence: span)
        }
        if token.kind == .compare, next + 1 < tokens.count, tokens[next + 1].kind == .string || tokens[next + 1].kind == .number {
            return Match(category: .sqli, rule: "sqli.boolean-injection", message: "a quote closes the string and compares it to a constant", evidence: span)
        }
        let selects = token.keyword == .select && (selectsFrom(tokens, next) || next + 1 < tokens.count && [.function, .number, .variable].contains(tokens[next + 1].kind))
        if let keyword = token.keyword, keyword.followsBreakout && next + 1 < tokens.count || selects {
            return Match(category: .sqli, rule: "sqli.breakout-keyword", message: "a quote closes the string and SQL clauses follow", evidence: span)
        }
        if token.kind == .concat || token.kind == .arithmetic, next + 1 < tokens.count, tokens[next + 1].kind == .function,
           dangerousCall(tokens, next + 1) != nil || tokens[next + 1].keyword != nil {
            return Match(category: .sqli, rule: "sqli.breakout-function", message: "a quote closes the string and concatenates a function call", evidence: span)
        }
        return nil
    }

    /// `OR 1=1`, `AND 'a'='a'`, `OR TRUE`, `AND SLEEP(5)`, `|| 1 --`.
    static func isBooleanTail(_ tokens: [SQLToken], _ start: Int) -> Bool {
        guard start < tokens.count, tokens[start].kind == .logic else { return false }
        var next = start + 1
        while next < tokens.count, tokens[next].kind == .lparen || tokens[next].keyword == .not { next += 1 }
        guard next < tokens.count else { return false }
        let operand = tokens[next]
        if operand.kind == .function { return dangerousCall(tokens, next) != nil || next + 1 >= tokens.count || tokens[next + 1].kind == .lparen }
        if operand.keyword == .true || operand.keyword == .false || operand.keyword == .null {
            return next + 1 >= tokens.count || tokens[next + 1].kind != .word
        }
        guard operand.kind == .number || operand.kind == .string || operand.kind == .word || operand.kind == .variable else { return false }
        let after = next + 1
        if after >= tokens.count { return operand.kind == .number }
        let follower = tokens[after]
        if follower.kind == .compare || follower.keyword == .like || follower.keyword == .is || follower.keyword == .between || follower.keyword == .in {
            return after + 1 < tokens.count
        }
        return follower.kind == .semicolon || follower.kind == .logic && operand.kind != .word
    }

    static func followsStatement(_ statement: SQLToken.Keyword, _ tokens: [SQLToken], _ next: Int) -> Bool {
        guard next <= tokens.count else { return false }
        let following = next < tokens.count ? tokens[next] : nil
        switch statement {
        case .shutdown: return following == nil || following?.kind == .semicolon
        case .select: return selectsFrom(tokens, next - 1) || following?.kind == .function || following?.kind == .number || following?.kind == .variable
        case .drop, .create, .alter, .truncate: return following?.keyword?.isObjectType == true
        case .insert: return following?.keyword == .into
        case .delete: return following?.keyword == .from
        case .update: return next + 1 < tokens.count && tokens[next + 1].keyword == .set
        case .exec, .execute, .declare: return following?.kind == .word || following?.kind == .variable || following?.kind == .function
        case .waitfor: return following?.keyword == .delay
        default: return false
        }
    }

    /// `SELECT <list> FROM` where the list looks like columns, `*`, numbers or calls, not prose.
    static func selectsFrom(_ tokens: [SQLToken], _ select: Int) -> Bool {
        var index = select + 1
        var sawListMarker = false
        var steps = 0
        while index < tokens.count, steps < 24 {
            let token = tokens[index]
            if token.keyword == .from { return sawListMarker && index + 1 < tokens.count }
            switch token.kind {
            case .arithmetic where token.range.count == 1, .comma, .function, .number, .variable, .string: sawListMarker = true
            case .semicolon: return false
            default: break
            }
            index += 1
            steps += 1
        }
        return false
    }

    /// `SLEEP(5)`, `BENCHMARK(…)`, `PG_SLEEP(…)`, `LOAD_FILE(…)`, `EXTRACTVALUE(…)`, … called with SQL-ish arguments.
    static func dangerousCall(_ tokens: [SQLToken], _ index: Int) -> Match? {
        guard tokens[index].isDangerousFunction, index + 1 < tokens.count, tokens[index + 1].kind == .lparen else { return nil }
        var depth = 0
        var cursor = index + 1
        while cursor < tokens.count {
            let token = tokens[cursor]
            switch token.kind {
            case .lparen: depth += 1
            case .rparen:
                depth -= 1
                if depth == 0 {
                    return Match(category: .sqli, rule: "sqli.dangerous-function", message: "calls a SQL function used for timing, file access or error-based extraction",
                                 evidence: tokens[index].range.lowerBound..<token.range.upperBound)
                }
            case .word where token.keyword == nil: return nil
            case .other: return nil
            default: break
            }
            cursor += 1
        }
        return nil
    }
}
