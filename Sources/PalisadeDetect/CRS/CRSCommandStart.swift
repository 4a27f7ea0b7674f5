/// Where CRS 932230, 932235, 932250 and 932260 can begin a match. Each looks for a Unix command
/// after something that starts one: the input's start (932250 and 932260; 932230 and 932235 only
/// with a backslash there), a shell separator, or a prefix word (`busybox`, `command`, `env`,
/// `eval`, `watch`, `ltrace`, `strace`, `nohup`, `time`) that may carry quotes, `)`, `[`,
/// backslashes or `$` expansions between its letters as evasion. The start alternative and the
/// evasion shrink their atoms to single letters, so without this they run on nearly every input.
/// On an input without a prefix word (and without `$`, whose expansions can split one), a match can
/// only begin at the input's start or at a separator byte: the rule's pattern, compiled a second
/// time with `PCRE2_ANCHORED`, is then tried at those few offsets, in order, instead of at every
/// offset, which finds the same first match; 932230 and 932235 cannot match an input that has
/// neither. `CRSCommandStartTests` checks that the patterns keep this shape and that the corpus agrees.
enum CRSCommandStart {
    enum Search: Equatable {
        /// Any offset can begin a match: the whole pattern searches.
        case everywhere
        /// Only the start (when `start`) and the separator bytes can begin a match.
        case candidates(start: Bool)
        /// No offset can begin a match.
        case nowhere
    }

    /// The rules, each with whether its pattern has the `^` start alternative.
    static let rules: [Int: Bool] = [932230: false, 932235: false, 932250: true, 932260: true]

    /// The first bytes of the separator alternatives (`\n`, `\r`, `;`, `=`, backquote, `{`, `|`, `&`,
    /// `$(`, `$[`, `${`, `<(`, `<<<`, `>(`, `( )`).
    static let separators = ByteSet("\n\r;=`{|&$<>(")
    /// What the evasion part allows between a prefix word's letters when there is no `$`.
    static let evasion = ByteSet("\"')[\\")
    static let prefixWords: [[UInt8]] = ["busybox", "command", "env", "eval", "watch", "ltrace", "strace", "nohup", "time"].map { Array($0.utf8) }
    /// Each word's letters: a word whose letters are not all in the input is not searched for.
    static let prefixWordLetters = prefixWords.map(ByteSet.init)
    /// Past this many separators one search over the whole input is cheaper than anchored tries.
    static let maxCandidates = 16

    /// `search`'s answers for rules with and without the start alternative, worked out once per input.
    struct Answer: Equatable {
        let withStart: Search
        let withoutStart: Search

        func search(hasStartAlternative: Bool) -> Search {
            hasStartAlternative ? withStart : withoutStart
        }
    }

    /// Where the rule's pattern must search `input` (its variant is the input itself: the rules have no transformation).
    static func search(_ input: ScanInput, hasStartAlternative: Bool) -> Search {
        answer(input).search(hasStartAlternative: hasStartAlternative)
    }

    static func answer(_ input: ScanInput) -> Answer {
        let everywhere = Answer(withStart: .everywhere, withoutStart: .everywhere)
        if input.present.contains(UInt8(ascii: "$")) { return everywhere }
        // The patterns are caseless; removing the evasion bytes can only make more words appear.
        let lowerPresent = input.present.addingLowercase
        var text: [UInt8]? = nil
        for (word, letters) in zip(prefixWords, prefixWordLetters) where letters.isSubset(of: lowerPresent) {
            if text == nil {
                text = input.lower
                if input.present.intersects(evasion) { text!.removeAll { evasion.contains($0) } }
            }
            if ByteScan.find(word, in: text!) != nil { return everywhere }
        }
        let leadingBackslash = input.bytes.first == UInt8(ascii: "\\")
        guard input.present.intersects(separators) else {
            return Answer(withStart: .candidates(start: true), withoutStart: leadingBackslash ? .candidates(start: true) : .nowhere)
        }
        var count = 0
        for byte in input.bytes where separators.contains(byte) {
            count += 1
            if count > maxCandidates { return everywhere }
        }
        return Answer(withStart: .candidates(start: true), withoutStart: .candidates(start: leadingBackslash))
    }
}
