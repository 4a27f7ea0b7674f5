@testable import PalisadeDetect
import Testing

/// The automaton keeps full rows only for shallow states; deep states step through their children
/// and failure links. Whatever the split, it must find exactly what a naive search finds.
@Suite struct AhoCorasickTests {
    /// A small deterministic generator, so a failure names a reproducible dictionary.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func naiveFirstStarts(_ patterns: [[UInt8]], in text: [UInt8]) -> [Int: Int] {
        var starts: [Int: Int] = [:]
        for (id, pattern) in patterns.enumerated() where !pattern.isEmpty && pattern.count <= text.count {
            for start in 0...(text.count - pattern.count) where text[start..<start + pattern.count].elementsEqual(pattern) {
                starts[id] = start
                break
            }
        }
        return starts
    }

    @Test(arguments: [1, 40, 600, Int.max])
    func findsWhatANaiveSearchFinds(denseEntries: Int) {
        var random = Generator(state: 42)
        // Few letters and many overlapping words: deep tries and long failure chains.
        let alphabet = Array("abcab;-".utf8)
        var patterns: [[UInt8]] = (0..<400).map { _ in (0..<(1 + random.next(7))).map { _ in alphabet[random.next(alphabet.count)] } }
        patterns.append([])
        let automaton = AhoCorasick(patterns, denseEntries: denseEntries)
        for _ in 0..<200 {
            // Bytes of no pattern (`x`, `Z`) send the automaton back to the root.
            let text = (0..<random.next(60)).map { _ in (alphabet + Array("xZ".utf8))[random.next(alphabet.count + 2)] }
            let hits = automaton.firstOccurrences(in: text)
            let expected = Self.naiveFirstStarts(patterns, in: text)
            #expect(Set(hits.ids.map(Int.init)) == Set(expected.keys), "\(String(decoding: text, as: UTF8.self))")
            for (id, start) in expected { #expect(hits.start(of: id) == start) }
        }
    }

    /// A dictionary with more than 32,768 states (deep state numbers above 15 bits) still finds everything.
    @Test func largeDictionaryStillFindsEverything() {
        var random = Generator(state: 7)
        let alphabet = Array("abcdefghijklmnop".utf8)
        let patterns: [[UInt8]] = (0..<7000).map { _ in (0..<(7 + random.next(4))).map { _ in alphabet[random.next(alphabet.count)] } }
        let automaton = AhoCorasick(patterns)
        // The naive search by lookup of each substring of a pattern's length (thousands of patterns).
        let ids = Dictionary(grouping: patterns.indices, by: { patterns[$0] })
        for _ in 0..<20 {
            // A few patterns among random letters, so there is something to find.
            var text: [UInt8] = []
            for _ in 0..<3 { text += (0..<random.next(6)).map { _ in alphabet[random.next(alphabet.count)] } + patterns[random.next(patterns.count)] }
            let hits = automaton.firstOccurrences(in: text)
            var expected: [Int: Int] = [:]
            for start in text.indices {
                for length in 7...10 where start + length <= text.count {
                    for id in ids[Array(text[start..<start + length])] ?? [] where expected[id] == nil { expected[id] = start }
                }
            }
            #expect(expected.count >= 3)
            #expect(Set(hits.ids.map(Int.init)) == Set(expected.keys), "\(String(decoding: text, as: UTF8.self))")
            for (id, start) in expected { #expect(hits.start(of: id) == start) }
        }
    }

    @Test func crsDictionaryFitsInAFractionOfFullRows() {
        let pack = CRSRulePack.levelOne
        // Every rule of the pack still gets selected on its own phrases through the sparse states.
        let phrase = Array("/etc/passwd".utf8)
        let hits = pack.automaton.firstOccurrences(in: phrase)
        #expect(!hits.isEmpty)
        #expect(pack.automaton.tableBytes < 1 << 20, "\(pack.automaton.tableBytes) bytes")
    }
}
