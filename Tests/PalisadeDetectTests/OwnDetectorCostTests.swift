@testable import PalisadeDetect
import Testing

/// The SQL injection detector turns inputs away before tokenizing them (`structuralSeparators`,
/// `mayMatch`); on inputs built from the pieces its rules are made of, it must find exactly what
/// tokenizing every context finds.
@Suite struct OwnDetectorCostTests {
    /// The detector as it was before the checks: the quote-or-needle test, then every context.
    static func tokenizingEveryContext(_ input: ScanInput) -> Match? {
        var scratch = DetectorScratch()
        guard input.present.intersects(SQLInjectionDetector.quotes) || scratch.hasNeedle(of: .sqli, in: input) else { return nil }
        var tokens: [SQLToken] = []
        for context in SQLInjectionDetector.contexts where context.map(input.present.contains) ?? true {
            SQLTokenizer(input.lower, openQuote: context).tokenize(into: &tokens)
            if let match = SQLInjectionDetector.analyse(tokens, quoted: context != nil) { return match }
        }
        return nil
    }

    /// Quotes, logic words, keywords, comments (`/*!` too), separators the checks treat as inert, and
    /// 0xA0, which the tokenizer skips where a token starts but reads inside a word.
    static let pieces: [[UInt8]] = [
        "1", "x", "'", "\"", "`", " ", "\t", "or", "OR", "and", "xor", "not", "select", "from", "union", "order", "into", "sleep", "-", "--",
        "#", "/*", "*/", "/*!5", "(", ")", "=", "<", ";", "drop", "table", "@@version", "@", ",", ":", "+", ".", "||", "&&", "true",
        "?", "!", ">", "{", "\n",
    ].map { Array($0.utf8) } + [[0xA0]]

    @Test func checksTurnAwayNothingTheTokenizerFlags() {
        let detectors = OwnDetectors(categories: [.sqli])
        var scratch = DetectorScratch()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var flagged = 0
        for _ in 0..<20000 {
            var raw: [UInt8] = []
            for _ in 0..<(1 + next(7)) { raw += Self.pieces[next(Self.pieces.count)] }
            let input = ScanInput(raw)
            var found: [Match] = []
            detectors.scan(input, scratch: &scratch, into: &found)
            let expected = Self.tokenizingEveryContext(input)
            #expect(found.map(\.rule) == expected.map { [$0.rule] } ?? [], "\(raw)")
            #expect(found.map(\.evidence) == expected.map { [$0.evidence] } ?? [], "\(raw)")
            if expected != nil { flagged += 1 }
        }
        // The pieces make attacks often enough for the comparison to mean something.
        #expect(flagged > 1000)
    }

    /// 0xA0 before a logic word, with only a tab and a number after it: the tokenizer reads `OR 1`.
    @Test func noBreakSpaceBeforeALogicWordIsSeen() {
        var matches: [Match] = []
        var scratch = DetectorScratch()
        SQLInjectionDetector().scan(ScanInput([UInt8(ascii: "'"), 0xA0] + Array("or\t1".utf8)), scratch: &scratch, into: &matches)
        #expect(matches.map(\.rule) == ["sqli.boolean-injection"])
    }

    /// With only `-` between words, `SELECT … FROM` still counts; a header name does not reach the tokenizer.
    @Test func inertSeparatorsLeaveSelectFrom() {
        var scratch = DetectorScratch()
        var matches: [Match] = []
        SQLInjectionDetector().scan(ScanInput(Array("select-1-from-users".utf8)), scratch: &scratch, into: &matches)
        #expect(matches.map(\.rule) == ["sqli.select-from"])
        #expect(!ScanInput(Array("X-Forwarded-Proto".utf8)).present.intersects(SQLInjectionDetector.structuralSeparators))
    }
}
