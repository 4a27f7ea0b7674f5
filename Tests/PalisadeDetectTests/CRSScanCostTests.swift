@testable import PalisadeDetect
import PalisadeJSON
import Testing

/// The shortcuts that make a CRS scan cheaper must find exactly what the plain way finds: the
/// interleaved automaton pass, variants built from the lowercase copy, and command word offsets
/// shared by the command rules of one input.
@Suite struct CRSScanCostTests {
    /// Corpus values and crafted ones with shell bytes, separators, paths and evasion.
    static func values() throws -> [[UInt8]] {
        let values = try CRSCorpus.inputValues().map { Array($0.utf8) }
        let crafted = [
            "ls -la", "Email", "json.ls -la", "x;cat /etc/passwd", "a=1 b=2 wget x", "x|/usr/bin/id", "a && whoami",
            "Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!", "web; Safari 18.1 / macOS 14.6",
            "c\"a't /etc/passwd", "UNION  SELECT\tA,B /* x */ FROM T", "..\\..\\Windows\\System32", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        ].map { Array($0.utf8) }
        return values + crafted
    }

    @Test func interleavedPassFindsWhatTwoSinglePassesFind() throws {
        let automaton = CRSRulePack.shared.automaton
        let values = try Self.values().map { $0.lowercasedASCII() }
        var hits = NeedleHits(patternCount: automaton.patternCount), otherHits = NeedleHits(patternCount: automaton.patternCount)
        var found = 0
        for (index, value) in values.enumerated() {
            // Pairs of different lengths, either one longer.
            let other = values[(index * 7 + 3) % values.count]
            automaton.firstOccurrences(in: value, into: &hits, and: other, into: &otherHits)
            let single = automaton.firstOccurrences(in: value), otherSingle = automaton.firstOccurrences(in: other)
            #expect(hits.ids == single.ids && hits.starts == single.starts, "\(String(decoding: value, as: UTF8.self))")
            #expect(otherHits.ids == otherSingle.ids && otherHits.starts == otherSingle.starts, "\(String(decoding: other, as: UTF8.self))")
            found += single.ids.count
        }
        #expect(found > 100)
    }

    @Test func variantsFromTheLowercaseCopyAreTheTransformedInput() throws {
        for value in try Self.values() {
            let input = ScanInput(value)
            var variants = TransformCache()
            for bits in UInt16(0)..<(1 << 7) {
                let transforms = TransformSet(bits: bits)
                #expect(variants.value(for: transforms, of: input) == transforms.apply(to: input.bytes), "\(bits) on \(String(decoding: value, as: UTF8.self))")
            }
        }
    }

    /// One input's offsets, shared by every command rule in turn (as a scan does), give each rule
    /// the answer fresh offsets give, and the gated search with them finds what PCRE2's full search finds.
    @Test func sharedCommandWordOffsetsAgreeWithFreshOnes() throws {
        let rules = CRSRulePack.shared.rules.filter { CRSCommandStart.rules[$0.id] != nil }
        let scratch = MatchScratch()
        var checked = 0
        for value in try Self.values() {
            let input = ScanInput(value)
            var shared = CommandWords.Offsets()
            for rule in rules {
                if let words = rule.commandWords {
                    #expect(words.mayBeginCommand(input.bytes, offsets: &shared) == words.mayBeginCommand(input.bytes))
                }
                if let words = rule.separatedCommandWords {
                    for start in [true, false] {
                        #expect(words.mayFollowSeparator(input.bytes, start: start, offsets: &shared) == words.mayFollowSeparator(input.bytes, start: start))
                    }
                }
                let search = CRSCommandStart.search(input, hasStartAlternative: rule.commandStart ?? false)
                let full = rule.condition.match(input.bytes, scratch: scratch)
                #expect(rule.firstMatch(in: input.bytes, scratch: scratch, search: search, offsets: &shared) == full,
                        "crs.\(rule.id) on \(String(decoding: value, as: UTF8.self)) (\(search))")
                checked += 1
            }
        }
        #expect(checked > 1000)
    }
}
