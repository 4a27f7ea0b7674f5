/// Where CRS 932230, 932235, 932250, 932260 and 932340 can begin a match. Each looks for a Unix command
/// after something that starts one: the input's start (932250 and 932260; 932230 and 932235 only
/// with a backslash there), a shell separator, or a prefix word (`busybox`, `command`, `env`,
/// `eval`, `watch`, `ltrace`, `strace`, `nohup`, `time`) that may carry quotes, `)`, `[`,
/// backslashes or `$` expansions between its letters as evasion. The start alternative and the
/// evasion shrink their atoms to single letters, so without this they run on nearly every input.
/// On an input without a prefix word (and without `$`, whose expansions can split one), a match can
/// only begin at the input's start or at a separator byte: the rule's pattern, compiled a second
/// time with `PCRE2_ANCHORED`, is then tried at those few offsets, in order, instead of at every
/// offset, which finds the same first match; 932230, 932235 and 932340 cannot match an input that has
/// neither. On an input without any shell byte, the start can begin a match only with a command word
/// there (`CommandWords`), so an input whose first word is none runs no pattern at all.
/// `CRSCommandStartTests` checks that the patterns keep this shape and that the corpus agrees.
enum CRSCommandStart {
    enum Search: Equatable {
        /// Any offset can begin a match: the whole pattern searches.
        case everywhere
        /// Only the start (when `start`) and the separator bytes can begin a match.
        case candidates(start: Bool)
        /// The input has no shell byte (`CRSRulePack.shellBytes`) and no prefix word: only the start can
        /// begin a match, and only with one of the rule's command words at one of `CommandWords.starts`.
        case commandWordAtStart
        /// No offset can begin a match.
        case nowhere
    }

    /// The rules, each with whether its pattern has the `^` start alternative.
    static let rules: [Int: Bool] = [932230: false, 932235: false, 932250: true, 932260: true, 932340: false]

    /// The first bytes of the separator alternatives (`\n`, `\r`, `;`, `=`, backquote, `{`, `|`, `&`,
    /// `$(`, `$[`, `${`, `<(`, `<<<`, `>(`, `( )`).
    static let separators = ByteSet("\n\r;=`{|&$<>(")
    /// What the evasion part allows between a prefix word's letters when there is no `$`.
    static let evasion = ByteSet("\"')[\\")
    static let prefixWords: [[UInt8]] = ["busybox", "command", "env", "eval", "watch", "ltrace", "strace", "nohup", "time"].map { Array($0.utf8) }
    /// Each word's letters: a word whose letters are not all in the input is not searched for.
    static let prefixWordLetters = prefixWords.map(ByteSet.init)
    /// The prefix words with `evasion` between their letters.
    static let prefixWordSearch = CommandWords(words: prefixWords, evasion: evasion)
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

    static func answer(_ input: ScanInput) -> Answer {
        let everywhere = Answer(withStart: .everywhere, withoutStart: .everywhere)
        if input.present.contains(UInt8(ascii: "$")) { return everywhere }
        // The patterns are caseless; the evasion bytes between a word's letters are skipped (`CommandWords.begins`),
        // in one pass over the lowercase copy for all the words, and only when one word has all its letters there.
        let lowerPresent = input.present.addingLowercase
        if prefixWordLetters.contains(where: { $0.isSubset(of: lowerPresent) }), prefixWordSearch.occurs(in: input.lower) { return everywhere }
        // The separators and the backslash are shell bytes.
        if !input.present.intersects(CRSRulePack.shellBytes) { return Answer(withStart: .commandWordAtStart, withoutStart: .nowhere) }
        let leadingBackslash = input.bytes.first == UInt8(ascii: "\\")
        guard input.present.intersects(separators) else {
            return Answer(withStart: .candidates(start: true), withoutStart: leadingBackslash ? .candidates(start: true) : .nowhere)
        }
        var count = 0
        // A table load per byte rather than `ByteSet.contains`, which branches on the byte's quarter.
        let separatorTable = CommandWords.separators
        for byte in input.bytes where separatorTable.contains(byte) {
            count += 1
            if count > maxCandidates { return everywhere }
        }
        return Answer(withStart: .candidates(start: true), withoutStart: .candidates(start: leadingBackslash))
    }
}

/// A command rule's command words on inputs without shell bytes, from the generator
/// (`CRSRuleDefinition.commandWords`): every match of the command part begins with one of them.
/// Without shell bytes or a prefix word a match begins at the input's start (`^`), and what lies
/// between it and the command word (`(?:json\.)?`, blanks and `!`, a path ending in `/`) is spelled
/// out in `mayBeginCommand`, so an input whose first word is no command skips PCRE2. With separators
/// (`separatedCommandWords`), `mayFollowSeparator` does the same after each separator.
struct CommandWords: Sendable {
    /// The words (lowercase), sorted.
    let words: [[UInt8]]
    /// The words one after another: word `i` is `bytes[wordStart[i]..<wordStart[i + 1]]`.
    let bytes: [UInt8]
    let wordStart: [Int32]
    /// The first two bytes of every word of two or more, as a bitmap of 65,536 pairs, and the words of one byte.
    let pairs: [UInt64]
    let single: ByteSet
    let hasSingle: Bool
    /// For each 64-bit word of `pairs`, how many pairs the words of `pairs` before it hold: a pair's rank among the pairs.
    let pairRankBefore: [Int32]
    /// The words of two bytes or more that begin with the pair of rank `r` (sorted, so next to each
    /// other) are `pairFirstWord[r]..<pairEndWord[r]`.
    let pairFirstWord: [Int32]
    let pairEndWord: [Int32]
    /// Whether the pair of rank `r` is a word itself.
    let pairIsWord: [Bool]
    /// The first three bytes of every longer word, hashed into a bitmap (`tripleBit`): most pairs that
    /// begin a word are followed by no third byte of one, which turns the offset away without comparing words.
    let triples: [UInt64]
    static let tripleBits = 1 << 14
    /// The first bytes of the words, in both cases.
    let firstBytes: ByteTable
    /// The evasion bytes that may come between a word's letters: none for plain inputs, `CRSCommandStart.evasion`
    /// for `CRSRuleDefinition.separatedCommandWords` (inputs with shell bytes but without `$`), `"^` for the Windows words.
    let evasion: ByteTable
    let evaded: Bool

    init(_ list: [String], evasion: ByteSet = ByteSet()) {
        self.init(words: list.map { Array($0.utf8) }, evasion: evasion)
    }

    /// Every word of `lists` (which share `evasion`): where none of them can begin, no word of any one list can.
    init(union lists: [CommandWords], evasion: ByteSet) {
        self.init(words: lists.flatMap(\.words), evasion: evasion)
    }

    init(words list: [[UInt8]], evasion: ByteSet) {
        self.evasion = ByteTable(evasion)
        evaded = !evasion.isEmpty
        let sorted = Set(list.map { $0.lowercasedASCII() }.filter { !$0.isEmpty }).sorted { $0.lexicographicallyPrecedes($1) }
        words = sorted
        bytes = sorted.flatMap { $0 }
        var wordStart: [Int32] = [0]
        for word in sorted { wordStart.append(wordStart.last! + Int32(word.count)) }
        self.wordStart = wordStart
        var pairs = [UInt64](repeating: 0, count: 1024)
        for word in sorted where word.count > 1 {
            let key = Int(word[0]) << 8 | Int(word[1])
            pairs[key >> 6] |= 1 << UInt64(key & 63)
        }
        self.pairs = pairs
        var rankBefore: [Int32] = []
        var rank: Int32 = 0
        for word in pairs {
            rankBefore.append(rank)
            rank += Int32(word.nonzeroBitCount)
        }
        pairRankBefore = rankBefore
        var firstWord: [Int32] = [], endWord: [Int32] = []
        var lastKey = -1
        for (index, word) in sorted.enumerated() where word.count > 1 {
            let key = Int(word[0]) << 8 | Int(word[1])
            if key != lastKey {
                firstWord.append(Int32(index))
                endWord.append(Int32(index))
                lastKey = key
            }
            endWord[endWord.count - 1] = Int32(index + 1)
        }
        pairFirstWord = firstWord
        pairEndWord = endWord
        pairIsWord = firstWord.map { sorted[Int($0)].count == 2 }
        var triples = [UInt64](repeating: 0, count: Self.tripleBits / 64)
        for word in sorted where word.count > 2 {
            let bit = Self.tripleBit(Int(word[0]) << 16 | Int(word[1]) << 8 | Int(word[2]))
            triples[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.triples = triples
        single = ByteSet(sorted.filter { $0.count == 1 }.map { $0[0] })
        hasSingle = !single.isEmpty
        firstBytes = ByteTable(ByteSet(sorted.flatMap { $0[0] &- 0x61 < 26 ? [$0[0], $0[0] ^ 0x20] : [$0[0]] }))
    }

    /// Whether one of the words begins anywhere in `text` (with evasion bytes between its letters when `evaded`).
    func occurs(in text: [UInt8]) -> Bool {
        let firstBytes = firstBytes
        return text.withUnsafeBufferPointer { text in
            for offset in 0..<text.count where firstBytes.contains(text[offset]) {
                if begins(text, at: offset) { return true }
            }
            return false
        }
    }

    /// The blanks `[\s\x0b]` and `!`, which may come before the command word (a superset is safe:
    /// no command word begins with one).
    static let blanks = ByteTable(ByteSet(Array(" \t\n\u{0B}\u{0C}\r!".utf8) + [0x85, 0xA0]))
    /// The path before a command word: `(?:["'-\+\--9\?A-\]_a-z\|]+/)?`.
    static let pathBytes = ByteTable(ByteSet("\"'()*+-./0123456789?ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]_abcdefghijklmnopqrstuvwxyz|"))
    /// Blanks, which end an assignment (`[0-9A-Z_a-z]+=[^\s\x0b]+[\s\x0b]+`) before a command word.
    static let spaces = ByteTable(ByteSet(Array(" \t\n\u{0B}\u{0C}\r".utf8) + [0x85, 0xA0]))
    /// What may lie between a separator and a command word or its path, besides assignments: blanks,
    /// `!`, `(`, `{`, quotes, backslashes and the bytes of further separators (none begins a word).
    static let gap = ByteTable(ByteSet(Array(" \t\n\u{0B}\u{0C}\r!({\"'\\;=`|&<>)".utf8) + [0x85, 0xA0]))
    static let quotes = ByteTable(ByteSet("\"'\\"))
    static let separators = ByteTable(CRSCommandStart.separators)

    /// The sets the searches below read, fetched once per call.
    private struct Sets {
        let blanks = CommandWords.blanks, path = CommandWords.pathBytes, spaces = CommandWords.spaces, gap = CommandWords.gap
        let quotes = CommandWords.quotes, separators = CommandWords.separators
    }

    /// The Windows command rules (`CRSRuleDefinition.windowsCommandWords`): a match begins at one of these separators,
    /// `(?:[\n\r;`\{]|\|\|?|&&?)[\s\x0b]*[\s\x0b\"'\(,@]*`, then without a backslash a path `(?:[\"'\.-9A-Z_a-z]+/)?`, then `[\"\^]*`.
    static let windowsSeparators = ByteTable(ByteSet("\n\r;`{|&"))
    static let windowsGap = ByteTable(ByteSet(Array(" \t\n\u{0B}\u{0C}\r\"'(,@^;`{|&".utf8) + [0x85, 0xA0]))
    static let windowsPath = ByteTable(ByteSet("\"'-./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"))
    /// The Windows patterns' evasion, `[\"\^]*`.
    static let windowsEvasion = ByteSet("\"^")
    static let windowsQuotes = ByteTable(windowsEvasion)

    /// For a Windows command rule and an input without a backslash: whether a command word can follow one of its separators.
    func mayFollowWindowsSeparator(_ text: [UInt8]) -> Bool {
        let separators = Self.windowsSeparators, gap = Self.windowsGap, path = Self.windowsPath, quotes = Self.windowsQuotes
        return text.withUnsafeBufferPointer { text in
            for separator in 0..<text.count where separators.contains(text[separator]) {
                if wordAfter(gap, in: text, from: separator + 1, path: path, quotes: quotes) { return true }
            }
            return false
        }
    }

    /// Whether a match can begin at the start of `text` (an input without shell bytes or prefix words):
    /// a command word follows `json.` (or nothing), then blanks, then at the start of a path or after any `/` of it.
    /// `offsets` are those of `text`, shared by the rules that check it.
    func mayBeginCommand(_ text: [UInt8], offsets: inout Offsets) -> Bool {
        offsets.mayBeginCommand(self, text)
    }

    /// For an input without `$` or prefix words (`Search.candidates`): whether a command word can follow
    /// one of its separators or, when `start`, its start, past the gap the patterns allow there:
    /// `[\s\x0b]*(?:[!\$\(\{][\s\x0b]*|(?:[0-9A-Z_a-z]+=[^\s\x0b]+|\$[0-9A-Z_a-z]+)[\s\x0b]+)*[\s\x0b]*[\"']*(?:[path]+/)?[\"'\x5c]*`.
    /// `offsets` are those of `text`, shared by the rules that check it.
    func mayFollowSeparator(_ text: [UInt8], start: Bool, offsets: inout Offsets) -> Bool {
        offsets.mayFollowSeparator(self, text, start: start)
    }

    /// The offsets at which `mayBeginCommand` and `mayFollowSeparator` look for a word depend on the
    /// text alone, not on the words: found once per input, they are shared by its command rules
    /// (up to five walk the same separators otherwise).
    struct Offsets {
        /// `mayBeginCommand`'s offsets; `mayFollowSeparator`'s at the start and after separators.
        private var atStart = OffsetList()
        private var afterStart = OffsetList()
        private var afterSeparators = OffsetList()
        private var hasAtStart = false, hasSeparated = false
        /// False when the text has no `/`: no word then follows a path's `/`, and the paths are not walked.
        private var walksPaths = true
        /// Fetched once for the scratch that holds these offsets, not once per input (each is a global).
        private let sets = Sets()

        /// Forgets the offsets for the next input, keeping the storage.
        mutating func reset(textHasSlash: Bool = true) {
            walksPaths = textHasSlash
            hasAtStart = false
            hasSeparated = false
        }

        mutating func mayBeginCommand(_ words: CommandWords, _ text: [UInt8]) -> Bool {
            if !hasAtStart {
                atStart.clear()
                text.withUnsafeBufferPointer { CommandWords.startOffsets(past: sets.blanks, in: $0, sets: sets, walksPaths: walksPaths, into: &atStart) }
                hasAtStart = true
            }
            return words.beginsAtAny(text, atStart)
        }

        mutating func mayFollowSeparator(_ words: CommandWords, _ text: [UInt8], start: Bool) -> Bool {
            if !hasSeparated {
                afterStart.clear()
                afterSeparators.clear()
                text.withUnsafeBufferPointer { text in
                    CommandWords.startOffsets(past: sets.gap, in: text, sets: sets, walksPaths: walksPaths, into: &afterStart)
                    // After an assignment the word follows a blank.
                    let assignments = text.contains(UInt8(ascii: "="))
                    for index in 0..<text.count {
                        let byte = text[index]
                        guard sets.separators.contains(byte) || (assignments && sets.spaces.contains(byte)) else { continue }
                        CommandWords.wordOffsets(sets.gap, in: text, from: index + 1, path: sets.path, quotes: sets.quotes, walksPath: walksPaths,
                                                 into: &afterSeparators)
                    }
                }
                hasSeparated = true
            }
            return (start && words.beginsAtAny(text, afterStart)) || words.beginsAtAny(text, afterSeparators)
        }
    }

    /// Offsets of one input, kept with their storage for the next (where `removeAll(keepingCapacity:)` costs a generic call).
    struct OffsetList {
        private var storage: [Int32] = []
        private var count = 0

        mutating func clear() {
            count = 0
        }

        mutating func append(_ offset: Int) {
            if count < storage.count { storage[count] = Int32(offset) } else { storage.append(Int32(offset)) }
            count += 1
        }

        func contains(where predicate: (Int) -> Bool) -> Bool {
            storage.withUnsafeBufferPointer { storage in storage[..<count].contains { predicate(Int($0)) } }
        }
    }

    private func beginsAtAny(_ text: [UInt8], _ offsets: OffsetList) -> Bool {
        text.withUnsafeBufferPointer { text in offsets.contains { begins(text, at: $0) } }
    }

    /// Where a word may begin at the start of `text` past `gap`, and again past a leading `json.`.
    private static func startOffsets(past gap: ByteTable, in text: UnsafeBufferPointer<UInt8>, sets: Sets, walksPaths: Bool, into offsets: inout OffsetList) {
        wordOffsets(gap, in: text, from: 0, path: sets.path, quotes: sets.quotes, walksPath: walksPaths, into: &offsets)
        if startsWithJSON(text) { wordOffsets(gap, in: text, from: 5, path: sets.path, quotes: sets.quotes, walksPath: walksPaths, into: &offsets) }
    }

    private static func startsWithJSON(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        text.count > 5 && lower(text[0]) == 0x6A && lower(text[1]) == 0x73 && lower(text[2]) == 0x6F && lower(text[3]) == 0x6E && text[4] == 0x2E
    }

    /// Past the bytes of `skipped` from `first`: a word there, or after a `/` of the path there (and quotes).
    private func wordAfter(_ skipped: ByteTable, in text: UnsafeBufferPointer<UInt8>, from first: Int, path: ByteTable, quotes: ByteTable) -> Bool {
        Self.forEachWordOffset(skipped, in: text, from: first, path: path, quotes: quotes, walksPath: true) { begins(text, at: $0) }
    }

    /// Collects the offsets where `wordAfter` looks for a word, in order.
    private static func wordOffsets(_ skipped: ByteTable, in text: UnsafeBufferPointer<UInt8>, from first: Int, path: ByteTable, quotes: ByteTable,
                                    walksPath: Bool, into offsets: inout OffsetList) {
        _ = forEachWordOffset(skipped, in: text, from: first, path: path, quotes: quotes, walksPath: walksPath) { offset in
            offsets.append(offset)
            return false
        }
    }

    /// Calls `body` with each offset where `wordAfter` looks for a word, until it returns true; without
    /// `walksPath` (a text without `/`) only the first, as the path then holds no offset.
    @inline(__always)
    private static func forEachWordOffset(_ skipped: ByteTable, in text: UnsafeBufferPointer<UInt8>, from first: Int, path: ByteTable, quotes: ByteTable,
                                          walksPath: Bool, _ body: (Int) -> Bool) -> Bool {
        var index = first
        while index < text.count, skipped.contains(text[index]) { index += 1 }
        guard index < text.count else { return false }
        if body(index) { return true }
        while walksPath, index < text.count, path.contains(text[index]) {
            if text[index] == UInt8(ascii: "/") {
                var word = index + 1
                while word < text.count, quotes.contains(text[word]) { word += 1 }
                if word < text.count, body(word) { return true }
            }
            index += 1
        }
        return false
    }

    /// Whether one of the words begins at `offset` (ASCII case folded, as the caseless patterns do in
    /// byte mode; when `evaded`, with any evasion bytes after each letter, which no word holds).
    /// The first two bytes (and a hashed third) turn nearly every offset away here, inlined; `wordBegins` compares the words.
    @inline(__always)
    private func begins(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        guard offset < text.count else { return false }
        let first = Self.lower(text[offset])
        if hasSingle, single.contains(first) { return true }
        var next = offset + 1
        if evaded { while next < text.count, evasion.contains(text[next]) { next += 1 } }
        guard next < text.count else { return false }
        let key = Int(first) << 8 | Int(Self.lower(text[next]))
        let bits = pairs.withUnsafeBufferPointer { $0[key >> 6] }
        let bit = UInt64(1) << UInt64(key & 63)
        guard bits & bit != 0 else { return false }
        let rank = Int(pairRankBefore.withUnsafeBufferPointer { $0[key >> 6] }) + (bits & (bit &- 1)).nonzeroBitCount
        if pairIsWord[rank] { return true }
        next += 1
        if evaded { while next < text.count, evasion.contains(text[next]) { next += 1 } }
        guard next < text.count else { return false }
        let triple = Self.tripleBit(key << 8 | Int(Self.lower(text[next])))
        guard triples.withUnsafeBufferPointer({ $0[triple >> 6] }) & (1 << UInt64(triple & 63)) != 0 else { return false }
        return wordBegins(text, at: offset, rank: rank)
    }

    /// Where three bytes (`first << 16 | second << 8 | third`) fall in `triples`.
    @inline(__always)
    static func tripleBit(_ key: Int) -> Int {
        Int(truncatingIfNeeded: (UInt32(truncatingIfNeeded: key) &* 0x9E37_79B1) >> 18)
    }

    /// Whether a word of the pair of `rank` (whose first two bytes `text` has at `offset`) begins there.
    private func wordBegins(_ text: UnsafeBufferPointer<UInt8>, at offset: Int, rank: Int) -> Bool {
        let evasion = evasion, evaded = evaded
        return bytes.withUnsafeBufferPointer { bytes in
            for index in Int(pairFirstWord[rank])..<Int(pairEndWord[rank]) {
                var at = offset + 1, equal = true
                for position in Int(wordStart[index]) + 1..<Int(wordStart[index + 1]) {
                    if evaded { while at < text.count, evasion.contains(text[at]) { at += 1 } }
                    guard at < text.count, Self.lower(text[at]) == bytes[position] else {
                        equal = false
                        break
                    }
                    at += 1
                }
                if equal { return true }
            }
            return false
        }
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }
}

/// A byte set as 256 flags: one load per test, where `ByteSet.contains` branches on the byte's quarter
/// (a mispredicted jump per byte in the loops above).
struct ByteTable: Sendable {
    let flags: [Bool]

    init(_ set: ByteSet) {
        flags = (0..<256).map { set.contains(UInt8($0)) }
    }

    @inline(__always) func contains(_ byte: UInt8) -> Bool {
        flags[Int(byte)]
    }
}

/// The command word lists of a pack's rules together (`CommandWords(union:)`), one for each check of
/// `CRSRule.firstMatch`: on most inputs no word of any rule can begin where the rules look, and one
/// check per input then turns away every command rule instead of one check per rule.
final class CommandWordUnion: Sendable {
    let atStart: CommandWords
    let separated: CommandWords
    let windows: CommandWords

    init(_ rules: [CRSRule]) {
        atStart = CommandWords(union: rules.compactMap(\.commandWords), evasion: ByteSet())
        separated = CommandWords(union: rules.compactMap(\.separatedCommandWords), evasion: CRSCommandStart.evasion)
        windows = CommandWords(union: rules.compactMap(\.windowsCommandWords), evasion: CommandWords.windowsEvasion)
    }

    /// The union's verdicts on one input (whether a word may begin), worked out for the first rule that asks.
    struct Answers {
        var atStart: Bool?
        var separated: Bool?
        var windows: Bool?

        /// For `CRSCommandStart.Search.everywhere` and the Windows rules: a backslash, or a word after a separator.
        mutating func mayFollowWindowsSeparator(_ subject: [UInt8], union: CommandWordUnion) -> Bool {
            let may = windows ?? (subject.contains(0x5C) || union.windows.mayFollowWindowsSeparator(subject))
            windows = may
            return may
        }

        /// For `CRSCommandStart.Search.commandWordAtStart`.
        mutating func mayBeginCommand(_ subject: [UInt8], union: CommandWordUnion, offsets: inout CommandWords.Offsets) -> Bool {
            let may = atStart ?? union.atStart.mayBeginCommand(subject, offsets: &offsets)
            atStart = may
            return may
        }

        /// For `CRSCommandStart.Search.candidates`, with the start as well, which the rules without it skip:
        /// a superset of every rule's offsets.
        mutating func mayFollowSeparator(_ subject: [UInt8], union: CommandWordUnion, offsets: inout CommandWords.Offsets) -> Bool {
            let may = separated ?? union.separated.mayFollowSeparator(subject, start: true, offsets: &offsets)
            separated = may
            return may
        }
    }
}
