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
        var random = SeededRandom(seed: 0x9E37_79B9_7F4A_7C15)
        var flagged = 0
        for _ in 0..<20000 {
            var raw: [UInt8] = []
            for _ in 0..<(1 + random.next(below: 7)) { raw += Self.pieces[random.next(below: Self.pieces.count)] }
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

    /// `IPv4.parse` as it was, splitting into arrays: the in-place reading must accept the same texts.
    static func parseBySplitting(_ text: [UInt8]) -> UInt32? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let value = IPv4.number(part) else { return nil }
            values.append(value)
        }
        let last = values.removeLast()
        for value in values where value > 255 { return nil }
        guard last < (1 << UInt64(8 * (4 - values.count))) else { return nil }
        var address: UInt64 = 0
        for (index, value) in values.enumerated() { address |= value << UInt64(24 - 8 * index) }
        return UInt32(address | last)
    }

    @Test func ipv4ReadInPlaceAcceptsWhatSplittingDid() {
        let pieces: [[UInt8]] = ["0", "1", "7", "8", "9", "00", "012", "08", "255", "256", "0x", "0X", "0xff", "0x1F", "ff", "a", "g", ".", "..",
                                 "16777215", "16777216", "4294967295", "4294967296", "999999999999", " ", "-"].map { Array($0.utf8) }
        var random = SeededRandom(seed: 0x2545_F491_4F6C_DD1D)
        var accepted = 0
        for _ in 0..<20000 {
            var text: [UInt8] = []
            for _ in 0..<(1 + random.next(below: 8)) { text += pieces[random.next(below: pieces.count)] }
            let expected = Self.parseBySplitting(text)
            #expect(IPv4.parse(text) == expected, "\(String(decoding: text, as: UTF8.self))")
            if expected != nil { accepted += 1 }
        }
        #expect(accepted > 1000)
        #expect(IPv4.parse(Array("127.1".utf8)) == 0x7F00_0001)
        #expect(IPv4.parse(Array("0251.0376.0251.0376".utf8)) == 0xA9FE_A9FE)
        #expect(IPv4.parse(Array("0xA9FEA9FE".utf8)) == 0xA9FE_A9FE)
        #expect(IPv4.parse([]) == nil)
        #expect(IPv4.parse(Array("1.2.3.4.5".utf8)) == nil)
    }
}
