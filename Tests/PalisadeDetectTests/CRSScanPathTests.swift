@testable import PalisadeDetect
import Testing

/// The shortcuts of the scan's per-input path must answer as the plain definitions do: a command word
/// list's `begins` (pair bitmap, pair rank, hashed first three bytes) finds a word wherever comparing
/// every word finds one. (`CRSRuleSelectionTests` checks the scan as a whole against every rule run whole.)
@Suite struct CRSScanPathTests {
    /// The pack's union word lists (which hold every rule's words) and the prefix words, with the
    /// evasion bytes each skips between letters.
    static func wordLists() -> [(words: CommandWords, evasion: ByteSet)] {
        let union = CRSRulePack.shared.commandWordUnion
        return [(union.atStart, ByteSet()), (union.separated, CRSCommandStart.evasion), (union.windows, CommandWords.windowsEvasion),
                (CRSCommandStart.prefixWordSearch, CRSCommandStart.evasion)]
    }

    /// Whether a word of `words` begins at `offset`, comparing each word in turn (caseless, `evasion` skipped after each letter).
    static func begins(_ words: [UInt8: [[UInt8]]], in text: [UInt8], at offset: Int, evasion: ByteSet) -> Bool {
        (words[CommandWords.lower(text[offset])] ?? []).contains { word in
            var at = offset
            for (position, byte) in word.enumerated() {
                if position > 0 { while at < text.count, evasion.contains(text[at]) { at += 1 } }
                guard at < text.count, CommandWords.lower(text[at]) == byte else { return false }
                at += 1
            }
            return true
        }
    }

    @Test func wordListsFindWhatComparingEveryWordFinds() throws {
        let values = try CRSScanCostTests.values() + [
            "ls", "LS -la", "l", "w", "who", "whoami", "wh", "c'a't", "c\"a\"t /etc", "b'u's'y'b'o'x", "^c^m^d", "c\"md", "7z", "7za x",
            "gcc,", "aa-", "a", "unitPrice", "Siobhán", "base64", "bas", "env", "time", "ti", "\\", "x\u{0}y",
        ].map { Array($0.utf8) }
        var found = 0
        for (words, evasion) in Self.wordLists() {
            let byFirstByte = Dictionary(grouping: words.words) { $0[0] }
            for value in values {
                let expected = value.indices.contains { Self.begins(byFirstByte, in: value, at: $0, evasion: evasion) }
                if expected { found += 1 }
                #expect(words.occurs(in: value) == expected, "\(words.words.prefix(3)) on \(String(decoding: value, as: UTF8.self))")
            }
        }
        #expect(found > 0)
    }
}
