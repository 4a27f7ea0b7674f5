import CPCRE2

/// One CRS rule as the generator wrote it from the rule files.
struct CRSRuleDefinition: Sendable {
    enum Kind: Sendable { case regex, phrases, phraseFile }

    let id: Int
    let category: AttackCategory
    let paranoiaLevel: Int
    let message: String
    let targets: String
    let kind: Kind
    let argument: String
    let transforms: [String]
    let chain: [CRSCondition]
    /// Literals one of which every match contains (lowercased); nil when the rule must always run.
    let atoms: [String]?
    /// Atoms that hold for inputs without any of `shellBytes` (optional evasion parts then match
    /// empty); empty when the pattern cannot match such an input at all; nil when none were derived.
    let plainAtoms: [String]?
    /// Byte sets (as four 64-bit words) each of which every subject the pattern matches has a byte of.
    let requiredBytes: [[UInt64]]
}

/// A chained condition evaluated on the same input (`MATCHED_VARS`).
struct CRSCondition: Sendable {
    let negated: Bool
    let kind: CRSRuleDefinition.Kind
    let argument: String
    let transforms: [String]
}

/// The OWASP CRS request rules of Palisade's attack families, each compiled with PCRE2's JIT when a
/// scan first needs it (`LazyRegex`), run beside the native detectors as an extra rule pack. Inputs are already decoded to a fixed point by
/// `Canonicalizer`, so of the CRS transformations only the shape-changing ones are applied here.
///
/// A rule's regex runs only when three necessary conditions hold, cheapest first: the input has a
/// byte of each of the rule's required byte sets, one of its one-byte atoms or (from the automaton,
/// which runs only for a variant holding the rarest byte of one) one of its longer atoms occurs, and
/// the chained conditions hold after the match. The first two
/// are derived by the generator and proven against the corpus by `CRSAtomPrefilterTests`. An input
/// variant without any shell byte (`"'()[]{}<>;=&|$` and so on) is checked against the rule's plain
/// atoms instead, which are whole words where the general atoms are single letters.
final class CRSRulePack: Sendable {
    /// Built on first use and shared: the automaton takes a few milliseconds to build.
    static let shared = CRSRulePack(definitions: CRSRuleDefinition.generated)
    /// Paranoia level 1 alone, the default: half the patterns of the whole pack, so the agent
    /// compiles in about half the time and keeps about half the JIT code and automaton.
    static let levelOne = CRSRulePack(definitions: CRSRuleDefinition.generated.filter { $0.paranoiaLevel <= 1 })

    /// The smallest shared pack that holds every rule up to `paranoiaLevel`.
    static func covering(paranoiaLevel: Int) -> CRSRulePack {
        paranoiaLevel <= 1 ? levelOne : shared
    }

    let rules: [CRSRule]
    /// `rules` again, read by the scan without retaining each rule it checks.
    let ruleReferences: [Unmanaged<CRSRule>]
    /// Rule ids whose pattern, or a chained one, PCRE2 rejects (the tests require none). Compiles
    /// every pattern of the pack.
    var rejected: [Int] {
        rules.filter { rule in ([rule.condition] + rule.chain).contains { $0.regex.map { $0.compiled == nil } ?? false } }.map(\.id)
    }
    /// Every rule's longer atoms and phrases in one automaton, run once per input variant.
    let automaton: AhoCorasick
    /// For each automaton pattern `id`, the rules it selects are `selected[selectedStart[id]..<selectedStart[id + 1]]`
    /// (one flat array: a hit reads them without reference counting a row).
    let selectedStart: [Int32]
    let selected: [Selected]
    /// The command word lists of all the rules, checked once per input before any command rule's own.
    let commandWordUnion: CommandWordUnion

    /// A rule an automaton pattern selects: `isMatch` when the hit is the match itself (`@pm`), `isPlain`
    /// when the pattern is one of the rule's plain atoms.
    struct Selected: Sendable {
        let rule: Int32
        let isMatch: Bool
        let isPlain: Bool
    }

    static let shellBytes = ByteSet(words: CRSRuleDefinition.shellBytes)

    /// A rule to run on an input, with its transformation set, its rank within the set, and where
    /// the automaton found its phrase (`@pm` rules).
    typealias Candidate = (rule: Int, set: Int, order: Int, phraseStart: Int?)

    init(definitions: [CRSRuleDefinition]) {
        let rules = definitions.compactMap(CRSRule.init)
        var patterns: [[UInt8]: Int] = [:]
        var ordered: [[UInt8]] = []
        var selections: [[Selected]] = []
        for (index, rule) in rules.enumerated() {
            var needles: [([UInt8], Selected)] = []
            switch rule.condition.matcher {
            case .phrases(let phrases):
                needles = phrases.phrases.map { ($0, Selected(rule: Int32(index), isMatch: true, isPlain: false)) }
            case .regex:
                needles = rule.longAtoms.map { ($0, Selected(rule: Int32(index), isMatch: false, isPlain: false)) }
                    + rule.plainLongAtoms.map { ($0, Selected(rule: Int32(index), isMatch: false, isPlain: true)) }
            }
            for (needle, selected) in needles {
                let id: Int
                if let existing = patterns[needle] {
                    id = existing
                } else {
                    id = ordered.count
                    patterns[needle] = id
                    ordered.append(needle)
                    selections.append([])
                }
                selections[id].append(selected)
            }
        }
        self.rules = rules
        self.commandWordUnion = CommandWordUnion(rules)
        self.ruleReferences = rules.map { Unmanaged.passUnretained($0) }
        self.automaton = AhoCorasick(ordered)
        var selectedStart: [Int32] = [0]
        for row in selections { selectedStart.append(selectedStart.last! + Int32(row.count)) }
        self.selectedStart = selectedStart
        self.selected = selections.flatMap { $0 }
    }

    /// Adds the rules that match `input`; returns false when a pattern hit PCRE2's backtracking limit.
    @discardableResult
    func scan(_ input: ScanInput, selection: Selection, into matches: inout [Match]) -> Bool {
        let scratch = CRSScratch(patternCount: automaton.patternCount)
        return scan(input, selection: selection, scratch: scratch, into: &matches)
    }

    /// As above, reusing `scratch` (one per thread, typically one per event) so an input costs no allocations
    /// unless a rule gets close to matching.
    @discardableResult
    func scan(_ input: ScanInput, selection: Selection, scratch: CRSScratch, into matches: inout [Match]) -> Bool {
        let sources = sources(of: input, selection: selection)
        // No active rule reads inputs from where this one came (header names, say): no rows to read.
        guard !(sources & selection.active).isEmpty else { return true }
        var gate = selection.gate(input, sources: sources)
        // Nearly every honest input ends here: no rule's cheap conditions hold.
        guard !gate.candidates.isEmpty || !(gate.waiting | gate.waitingPlain).isEmpty else { return true }
        var shared = CandidateState()
        scratch.commandOffsets.reset(textHasSlash: input.present.contains(UInt8(ascii: "/")))
        let deferred = turnAway(&gate, input: input, selection: selection, shared: &shared, scratch: scratch)
        let waiting = gate.waiting | gate.waitingPlain
        // Most of the rest end here: what the candidates had in common turned them all away.
        guard !gate.candidates.isEmpty || !waiting.isEmpty else { return true }
        let limitsBefore = scratch.match.limitsHit
        guard !waiting.isEmpty else {
            // Most inputs that get here: only the rules the bytes select, and no candidate list to build.
            run(gate.candidates, fromAutomaton: [], input: input, selection: selection, shared: &shared, scratch: scratch, into: &matches)
            return scratch.match.limitsHit == limitsBefore
        }
        // The working array is moved out of the scratch object for the loops below, so writing it
        // costs no exclusivity checks; it goes back (with its capacity) before returning.
        var candidates: [Candidate] = []
        swap(&candidates, &scratch.candidates)
        if !candidates.isEmpty { candidates.removeAll(keepingCapacity: true) }
        var direct = gate.candidates
        if (waiting & selection.changingLowercase(input)).isEmpty {
            // Every waiting rule reads the input's lowercase copy (a plain word, say): one pass, no sets to sort out.
            automaton.firstOccurrences(in: input.lower, into: &scratch.hits)
            select(&scratch.hits, gate: &gate, selection: selection, text: nil, textOfSet: UnsafeBufferPointer(start: nil, count: 0), into: &candidates)
        } else {
            // The variants are built into `shared` itself: a copy made afterwards cost a retain and two releases.
            waitingOfSets(input, gate: &gate, waiting: waiting, selection: selection, variants: &shared.variants, scratch: scratch, into: &candidates)
        }
        if !deferred.isEmpty {
            // A deferred rule that the automaton selects runs where its atom byte would have put it: among the direct rules, in rule order.
            candidates.removeAll { candidate in
                guard deferred.contains(candidate.rule) else { return false }
                direct.insert(candidate.rule)
                return true
            }
        }
        if candidates.count > 1 { candidates.sort { ($0.set, $0.order) < ($1.set, $1.order) } }
        run(direct, fromAutomaton: candidates, input: input, selection: selection, shared: &shared, scratch: scratch, into: &matches)
        swap(&candidates, &scratch.candidates)
        return scratch.match.limitsHit == limitsBefore
    }

    /// Checks the candidates of one input: the rules its bytes select (`direct`) and those the automaton
    /// selects (`fromAutomaton`, sorted by set and rank). Rules run in the order of their transformation
    /// sets, as if each set were scanned in turn: within a set, `direct` in rule order, then the others.
    private func run(_ direct: RuleBits, fromAutomaton candidates: [Candidate], input: ScanInput, selection: Selection,
                     shared: inout CandidateState, scratch: CRSScratch, into matches: inout [Match]) {
        // Read through a pointer here, where the array is a borrowed parameter (at the caller, taking the pointer retained it).
        candidates.withUnsafeBufferPointer { fromAutomaton in ruleReferences.withUnsafeBufferPointer { rules in
            // The rule is borrowed from the pack, which outlives the scan: no reference counting per candidate.
            @inline(__always) func check(_ index: Int, phraseStart: Int?) {
                let match = rules[index]._withUnsafeGuaranteedRef { rule in
                    self.check(rule, phraseStart: phraseStart, input: input, shared: &shared, scratch: scratch)
                }
                if let match { matches.append(match) }
            }
            var sets = RuleBits.empty
            selection.transformIndex.withUnsafeBufferPointer { transformIndex in direct.forEach { sets.insert(transformIndex[$0]) } }
            for candidate in fromAutomaton { sets.insert(candidate.set) }
            var next = 0
            selection.rulesOfSet.withUnsafeBufferPointer { rulesOfSet in
                sets.forEach { set in
                    (direct & rulesOfSet[set]).forEach { check($0, phraseStart: nil) }
                    while next < fromAutomaton.count, fromAutomaton[next].set == set {
                        check(fromAutomaton[next].rule, phraseStart: fromAutomaton[next].phraseStart)
                        next += 1
                    }
                }
            }
        } }
    }

    /// Takes out of `gate` the rules that cannot match `input`, for reasons worked out once per input
    /// before any pattern runs: a plain web URL (command rules), a path without markup (XSS
    /// rules), and command words that cannot begin where a command rule looks (`CRSCommandStart`). On
    /// most inputs these are all the candidates there are, so the input ends here without candidates.
    /// Returns the candidates it deferred to the automaton (`CRSEvasionFreeLiterals`: their one-byte atom does not count).
    private func turnAway(_ gate: inout Selection.Gate, input: ScanInput, selection: Selection, shared: inout CandidateState,
                          scratch: CRSScratch) -> RuleBits {
        let rules = gate.candidates | gate.waiting | gate.waitingPlain
        var turnedAway = RuleBits.empty
        if !(rules & selection.commandInjection).isEmpty {
            if CRSExclusions.isPlainWebURL(input) { turnedAway = selection.commandInjection }
        }
        if !(rules & selection.crossSiteScripting).isEmpty, CRSExclusions.isPathWithoutMarkup(input) { turnedAway |= selection.crossSiteScripting }
        let schemes = rules & selection.scriptScheme
        if !schemes.isEmpty, !CRSEvasionFreeLiterals.mayHoldScriptScheme(input) { turnedAway |= schemes }
        let traversal = rules & selection.dotTraversal
        if !traversal.isEmpty, !CRSEvasionFreeLiterals.mayHoldDotTraversal(input) { turnedAway |= traversal }
        // Only for an input that is not base64 (then the variant is the input without whitespace): most prose, whose streamed pass this saves.
        let nodeCalls = rules & selection.nodeCall
        if !nodeCalls.isEmpty, input.transformTraits.unchanging & TransformSet.base64Decode != 0,
           !CRSEvasionFreeLiterals.mayHoldNodeCall(input) { turnedAway |= nodeCalls }
        // The `!` atom stands for a quote, blanks and `!`; without those the rule's longer atoms decide, as for a waiting rule.
        var deferred = RuleBits.empty
        let quotedBang = gate.candidates & selection.quotedBang
        if !quotedBang.isEmpty, !CRSEvasionFreeLiterals.mayHoldQuotedBang(input) { deferred = quotedBang }
        let paren = gate.candidates & selection.wordBeforeParen
        if !paren.isEmpty {
            let words = CRSEvasionFreeLiterals.wordsBeforeParen(input)
            selection.parenWords.withUnsafeBufferPointer { parenWords in paren.forEach { if words & parenWords[$0] == 0 { deferred.insert($0) } } }
        }
        gate.candidates &= ~deferred
        gate.waiting |= deferred
        // The command rules read the input itself (they have no transformations), as `check` passes it;
        // what `commandWordsExclude` asks of each rule is read from the selection's rule sets.
        let commandRules = gate.candidates & selection.withCommandSearch & ~turnedAway
        if !commandRules.isEmpty {
            let count = input.bytes.count
            let windowed = count <= CRSRule.quadraticWindow ? RuleBits.all : count <= 64 << 10 ? ~selection.quadratic : .empty
            @inline(__always) func exclude(_ rules: RuleBits, searching search: CRSCommandStart.Search) {
                guard !rules.isEmpty else { return }
                switch search {
                case .nowhere:
                    turnedAway |= rules
                case .everywhere:
                    let asking = rules & selection.withWindowsWords
                    if !asking.isEmpty, !shared.commandWords.mayFollowWindowsSeparator(input.bytes, union: commandWordUnion) { turnedAway |= asking }
                case .commandWordAtStart:
                    let asking = rules & selection.withCommandWords & windowed
                    if !asking.isEmpty, !shared.commandWords.mayBeginCommand(input.bytes, union: commandWordUnion, offsets: &scratch.commandOffsets) {
                        turnedAway |= asking
                    }
                case .candidates:
                    let asking = rules & selection.withSeparatedWords & windowed
                    if !asking.isEmpty, !shared.commandWords.mayFollowSeparator(input.bytes, union: commandWordUnion, offsets: &scratch.commandOffsets) {
                        turnedAway |= asking
                    }
                }
            }
            let withStart = commandRules & selection.withStartAlternative, withoutStart = commandRules & selection.withoutStartAlternative
            if !(withStart | withoutStart).isEmpty {
                let answer = shared.commandStarts ?? CRSCommandStart.answer(input)
                shared.commandStarts = answer
                exclude(withStart, searching: answer.withStart)
                exclude(withoutStart, searching: answer.withoutStart)
            }
            exclude(commandRules & ~withStart & ~withoutStart, searching: .everywhere)
        }
        gate.candidates &= ~turnedAway
        gate.waiting &= ~turnedAway
        gate.waitingPlain &= ~turnedAway
        return deferred & ~turnedAway
    }

    /// What the candidates of one input share: its variants, and answers worked out for the first
    /// command rule that runs on it.
    private struct CandidateState {
        var variants = TransformCache()
        var commandStarts: CRSCommandStart.Answer?
        var commandWords = CommandWordUnion.Answers()

        mutating func commandSearch(_ rule: CRSRule, _ input: ScanInput) -> CRSCommandStart.Search {
            guard let hasStartAlternative = rule.commandStart else { return .everywhere }
            let answer = commandStarts ?? CRSCommandStart.answer(input)
            commandStarts = answer
            return answer.search(hasStartAlternative: hasStartAlternative)
        }
    }

    /// The match of candidate `rule` on `input`, if its pattern (and chain) holds and no exclusion
    /// applies (those that turn a whole category away were applied by `turnAway`).
    private func check(_ rule: CRSRule, phraseStart: Int?, input: ScanInput, shared: inout CandidateState, scratch: CRSScratch) -> Match? {
        // The input's own arrays are passed borrowed; only a transformed variant is a new array.
        let transforms = rule.transforms.effective(for: input)
        switch transforms.bits {
        case 0: return check(rule, subject: input.bytes, phraseStart: phraseStart, input: input, shared: &shared, scratch: scratch)
        case TransformSet.lowercase: return check(rule, subject: input.lower, phraseStart: phraseStart, input: input, shared: &shared, scratch: scratch)
        default:
            let subject = shared.variants.value(for: transforms, of: input)
            return check(rule, subject: subject, phraseStart: phraseStart, input: input, shared: &shared, scratch: scratch)
        }
    }

    private func check(_ rule: CRSRule, subject: [UInt8], phraseStart: Int?, input: ScanInput, shared: inout CandidateState, scratch: CRSScratch) -> Match? {
        let range: Range<Int>
        if let phraseStart, rule.isPhraseRule {
            range = phraseStart..<phraseStart
        } else {
            let search = shared.commandSearch(rule, input)
            if rule.hasCommandWords, rule.commandWordsExclude(subject, search: search, union: commandWordUnion, answers: &shared.commandWords,
                                                              offsets: &scratch.commandOffsets) { return nil }
            guard let found = rule.firstAcceptedMatch(in: subject, input: input, search: search, offsets: &scratch.commandOffsets, scratch: scratch.match) else {
                return nil
            }
            range = found
        }
        for link in rule.chain {
            let linked = shared.variants.value(for: (link.transforms.bits == 0 ? rule.transforms : link.transforms).effective(for: input), of: input)
            if (link.match(linked, scratch: scratch.match) != nil) == link.negated { return nil }
        }
        let evidence = subject.count == input.bytes.count ? range.lowerBound..<max(range.upperBound, min(subject.count, range.lowerBound + 40)) : 0..<min(input.bytes.count, 80)
        return Match(category: rule.category, rule: "crs.\(rule.id)", message: rule.message, evidence: evidence)
    }

    /// Runs the automaton over each distinct variant that sets with waiting rules read, and makes
    /// candidates of the waiting rules it selects.
    private func waitingOfSets(_ input: ScanInput, gate: inout Selection.Gate, waiting: RuleBits, selection: Selection, variants: inout TransformCache,
                               scratch: CRSScratch, into candidates: inout [Candidate]) {
        let setCount = selection.transformSets.count
        // For each set with waiting rules, the text the automaton reads; then the distinct texts, in the
        // order of their first set. Stack memory for this input alone: no reference counting, no uniqueness checks.
        withUnsafeTemporaryAllocation(of: TransformSet.self, capacity: 2 * setCount) { buffer in
            let textOfSet = UnsafeMutableBufferPointer(rebasing: buffer[..<setCount])
            textOfSet.initialize(repeating: TransformSet(bits: 0))
            let pending = UnsafeMutableBufferPointer(rebasing: buffer[setCount...])
            var textCount = 0
            // Whether the input decodes as base64, found out for the first set that asks.
            var decodes: Bool?
            selection.rulesOfSet.withUnsafeBufferPointer { rulesOfSet in
                selection.transformSets.withUnsafeBufferPointer { transformSets in
                    for setIndex in 0..<setCount where !(rulesOfSet[setIndex] & waiting).isEmpty {
                        // Sets whose variants of this input are the same text share one automaton pass.
                        var text = transformSets[setIndex].effective(for: input).automatonText
                        // Base64 that does not decode leaves the input as it is (`TransformSet.apply`).
                        if text.bits & TransformSet.base64Decode != 0 {
                            let known = decodes ?? Base64.forEachDecodedByte(of: input.bytes) { _ in }
                            decodes = known
                            if !known { text = TransformSet(bits: text.bits & ~TransformSet.base64Decode).automatonText }
                        }
                        textOfSet[setIndex] = text
                        if !pending[..<textCount].contains(text) {
                            pending.initializeElement(at: textCount, to: text)
                            textCount += 1
                        }
                    }
                }
            }
            let texts = UnsafeBufferPointer(rebasing: pending[..<textCount])
            let textOfSets = UnsafeBufferPointer(textOfSet)
            var next = 0
            while next < texts.count {
                let text = texts[next]
                // Two texts without base64 (which may read the one decoding buffer) share one interleaved pass.
                if next + 1 < texts.count, (text.bits | texts[next + 1].bits) & TransformSet.base64Decode == 0 {
                    let other = texts[next + 1]
                    let kind = text.streamKind, otherKind = other.streamKind
                    if (text.bits == 0 || kind != nil) && (other.bits == 0 || otherKind != nil) {
                        // Both are read off the lowercase copy (two distinct texts: at most one of them is that copy itself).
                        input.lower.withUnsafeBufferPointer { lower in
                            var stream = TransformSet.Stream(lower, kind: kind ?? .plain)
                            var otherStream = TransformSet.Stream(lower, kind: otherKind ?? .plain)
                            automaton.firstOccurrences(streaming: &stream, into: &scratch.hits, and: &otherStream, into: &scratch.otherHits)
                        }
                    } else {
                        let bytes = text.bits == 0 || kind != nil ? input.lower : variants.value(for: text, of: input)
                        let otherBytes = other.bits == 0 || otherKind != nil ? input.lower : variants.value(for: other, of: input)
                        if kind == nil, otherKind == nil {
                            automaton.firstOccurrences(in: bytes, into: &scratch.hits, and: otherBytes, into: &scratch.otherHits)
                        } else {
                            bytes.withUnsafeBufferPointer { bytes in
                                otherBytes.withUnsafeBufferPointer { otherBytes in
                                    var stream = TransformSet.Stream(bytes, kind: kind ?? .plain)
                                    var otherStream = TransformSet.Stream(otherBytes, kind: otherKind ?? .plain)
                                    automaton.firstOccurrences(streaming: &stream, into: &scratch.hits, and: &otherStream, into: &scratch.otherHits)
                                }
                            }
                        }
                    }
                    select(&scratch.hits, gate: &gate, selection: selection, text: text, textOfSet: textOfSets, into: &candidates)
                    select(&scratch.otherHits, gate: &gate, selection: selection, text: other, textOfSet: textOfSets, into: &candidates)
                    next += 2
                    continue
                }
                if text.bits & TransformSet.base64Decode != 0, text.decodedAutomatonText(of: input, into: &scratch.decoded) {
                    scratch.decoded.withUnsafeBufferPointer { automaton.firstOccurrences(in: $0, into: &scratch.hits) }
                } else if let kind = text.streamKind {
                    input.lower.withUnsafeBufferPointer { lower in
                        var stream = TransformSet.Stream(lower, kind: kind)
                        automaton.firstOccurrences(streaming: &stream, into: &scratch.hits)
                    }
                } else {
                    automaton.firstOccurrences(in: text.bits == 0 ? input.lower : variants.value(for: text, of: input), into: &scratch.hits)
                }
                select(&scratch.hits, gate: &gate, selection: selection, text: text, textOfSet: textOfSets, into: &candidates)
                next += 1
            }
        }
    }

    /// Makes candidates of the waiting rules whose automaton patterns are among `hits`, found in
    /// `text` (nil: the text every waiting rule reads), which `textOfSet` gives for each set with waiting
    /// rules. `hits` is only read; in-out, it is not copied out of the scratch (a copy retains its arrays).
    @inline(__always)
    private func select(_ hits: inout NeedleHits, gate: inout Selection.Gate, selection: Selection, text: TransformSet?,
                        textOfSet: UnsafeBufferPointer<TransformSet>, into candidates: inout [Candidate]) {
        guard !hits.isEmpty else { return }
        selectedStart.withUnsafeBufferPointer { selectedStart in
            self.selected.withUnsafeBufferPointer { selected in
                selection.transformIndex.withUnsafeBufferPointer { transformIndex in
                    for (position, id) in hits.ids.enumerated() {
                        for slot in Int(selectedStart[Int(id)])..<Int(selectedStart[Int(id) + 1]) {
                            let selected = selected[slot]
                            let index = Int(selected.rule)
                            let setIndex = transformIndex[index]
                            guard (selected.isPlain ? gate.waitingPlain : gate.waiting).contains(index) else { continue }
                            if let text, textOfSet[setIndex] != text { continue }
                            gate.waiting.remove(index)
                            gate.waitingPlain.remove(index)
                            candidates.append((index, setIndex, RuleBits.capacity + candidates.count, selected.isMatch ? Int(hits.starts[position]) : nil))
                        }
                    }
                }
            }
        }
    }
}

/// Working memory of one scanning thread, reused from input to input.
/// One thread uses a scratch at a time (`CRSScratchPool`), so its fields skip exclusivity checks.
final class CRSScratch {
    let match = MatchScratch()
    @exclusivity(unchecked) var hits: NeedleHits
    /// The hits of the second text of an interleaved automaton pass.
    @exclusivity(unchecked) var otherHits: NeedleHits
    /// Rules to run on this input, with their transformation set and their rank within it.
    @exclusivity(unchecked) var candidates: [CRSRulePack.Candidate] = []
    /// Where the command rules look for their words in the input being scanned (`CommandWords.Offsets`).
    @exclusivity(unchecked) var commandOffsets = CommandWords.Offsets()
    /// A base64 input's decoded automaton text (`TransformSet.decodedAutomatonText`).
    @exclusivity(unchecked) var decoded: [UInt8] = []

    init(patternCount: Int) {
        hits = NeedleHits(patternCount: patternCount)
        otherHits = NeedleHits(patternCount: patternCount)
    }
}

/// Exclusions for CRS rules that misfire on honest Lambda traffic, like the exclusion packages CRS
/// users add: a plain web URL (`https://host/path?ref=mail&x=1`) is not a shell command line.
enum CRSExclusions {
    static let shellBytes = ByteSet(" ;|`$<>(){}'\"\\\n\r\t")

    /// Begins with `http://` or `https://` (spelled out: a generic `starts(with:)` over a list of schemes costs a call per scheme).
    static func isPlainWebURL(_ input: ScanInput) -> Bool {
        guard !input.present.intersects(shellBytes) else { return false }
        return input.lower.withUnsafeBufferPointer { lower in
            guard lower.count >= 7, lower[0] == 0x68, lower[1] == 0x74, lower[2] == 0x74, lower[3] == 0x70 else { return false }
            let colon = lower[4] == 0x73 ? 5 : 4
            return lower.count >= colon + 3 && lower[colon] == 0x3A && lower[colon + 1] == 0x2F && lower[colon + 2] == 0x2F
        }
    }

    /// A page echoes a request path inside a URL (`href`, `location`): script runs from there only
    /// after a byte that ends the URL's attribute or string, so a path without one carries no XSS.
    static let markupBytes = ByteSet("<>\"'`")

    static func isPathWithoutMarkup(_ input: ScanInput) -> Bool {
        input.source == .path && !input.present.intersects(markupBytes)
    }

    /// Whether a match of `rule` in `subject` (the rule's variant of `input`) stands once the text is
    /// read as its language reads it; a rejected match lets the search go on after its start.
    static func accepts(_ rule: CRSRule, _ range: Range<Int>, in subject: [UInt8], input: ScanInput) -> Bool {
        // Byte-mode `\b` sees a boundary after any non-ASCII byte; in JavaScript, SQL and shell a
        // letter such as `о` in `оalert(` is part of the same word.
        if rule.startsWithWordBoundary, range.lowerBound > 0, range.lowerBound < subject.count, subject[range.lowerBound].isLetterOrDigit,
           precededByLetter(subject, at: range.lowerBound) { return false }
        switch rule.category {
        case .xss, .code:
            // A path that ends in an open call (`/docs/eval(`) names a route or file: the argument list
            // never closes. (A parameter may be spliced into code that closes it, so it still counts.)
            if input.source == .path, range.upperBound > range.lowerBound, subject[range.upperBound - 1] == UInt8(ascii: "("),
               subject[range.upperBound...].allSatisfy(ByteScan.isSpace) { return false }
            if rule.id == 941130, !declaresScriptNamespace(subject, match: range) { return false }
        case .cmdi:
            // Without any shell metacharacter, an input runs only as a whole command line, where the
            // program is its first word: a command word in the middle of prose ("a challenging time
            // for us all, we are busy helping") is not at a command position.
            if isPlainText(input), subject[..<range.lowerBound].contains(where: { !ByteScan.isSpace($0) }) { return false }
        default:
            break
        }
        return true
    }

    /// No shell byte except trailing whitespace (a line break that ends a form field separates nothing).
    static func isPlainText(_ input: ScanInput) -> Bool {
        guard input.present.intersects(CRSRulePack.shellBytes) else { return true }
        var end = input.bytes.count
        while end > 0, ByteScan.isSpace(input.bytes[end - 1]) { end -= 1 }
        return !input.bytes[..<end].contains { CRSRulePack.shellBytes.contains($0) }
    }

    /// Whether the UTF-8 character that ends before `index` is a letter (not Latin-1 or general
    /// punctuation, symbols or spaces).
    static func precededByLetter(_ text: [UInt8], at index: Int) -> Bool {
        guard text[index - 1] >= 0x80 else { return false }
        var start = index - 1
        while start > 0, index - start < 4, text[start] & 0xC0 == 0x80 { start -= 1 }
        let lead = text[start]
        var scalar: UInt32
        switch lead {
        case 0xC0...0xDF: scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF7: scalar = UInt32(lead & 0x07)
        default: return false
        }
        for byte in text[(start + 1)..<index] { scalar = scalar << 6 | UInt32(byte & 0x3F) }
        switch scalar {
        case 0x80...0xBF, 0xD7, 0xF7, 0x2000...0x206F, 0x2190...0x2BFF, 0x3000...0x303F, 0xFE30...0xFE4F, 0xFF00...0xFF0F: return false
        default: return true
        }
    }

    /// CRS 941130 flags `xmlns`: a namespace declaration brings script only when it binds a namespace
    /// browsers render (XHTML, SVG, MathML, XLink, XSLT: all under w3.org) or a script URL. XMP
    /// metadata (`xmlns:x="adobe:ns:meta/"`) binds none of them. The other keywords always count.
    static func declaresScriptNamespace(_ subject: [UInt8], match: Range<Int>) -> Bool {
        let lower = subject.lowercasedASCII()
        let keyword = Array("xmlns".utf8)
        guard let first = ByteScan.find(keyword, in: Array(lower[match])), first <= 1 else { return true }
        var from = match.lowerBound
        while let at = ByteScan.find(keyword, in: lower, from: from) {
            var index = at + keyword.count
            if index < lower.count, lower[index] == UInt8(ascii: ":") {
                index += 1
                while index < lower.count, lower[index].isNameByte { index += 1 }
            }
            index = ByteScan.skipSpace(lower, from: index)
            guard index < lower.count, lower[index] == UInt8(ascii: "=") else { return true }
            index = ByteScan.skipSpace(lower, from: index + 1)
            let quote = index < lower.count && (lower[index] == 0x22 || lower[index] == 0x27) ? lower[index] : nil
            if quote != nil { index += 1 }
            var end = index
            while end < lower.count, lower[end] != (quote ?? 0x20), lower[end] != UInt8(ascii: ">"), quote != nil || !ByteScan.isSpace(lower[end]) { end += 1 }
            let value = Array(lower[index..<end])
            for dangerous in ["w3.org", "javascript:", "data:", "vbscript:"] where ByteScan.find(Array(dangerous.utf8), in: value) != nil { return true }
            from = at + keyword.count
        }
        return false
    }
}

/// What a few rules with one-byte atoms need of an input beyond those atoms, which select them on
/// most long honest values (URLs, prose): the literal an atom stands for on inputs without the bytes
/// of the rule's evasions (the generator's atoms stop at `&#106;` for `j`, `%2f` for `/`), or the
/// context the atom needs (`(` after `if`). Each rule reads the input itself; `CRSLongValueCostTests`
/// compares these with the patterns.
enum CRSEvasionFreeLiterals {
    /// 941210 and 941220 (`javascript:`, `vbscript:`, with entities or `[\t\n\r]` between the letters).
    static let scriptSchemeRules: Set<Int> = [941210, 941220]
    /// `&` (which begins every entity), tab, LF and CR (which may come between the letters), spelled
    /// as words rather than a lazy global, which would cost each input a `swift_once`.
    static var entityBytes: ByteSet { ByteSet(words: (0x0000_0040_0000_2600, 0, 0, 0)) }

    /// Whether 941210 or 941220 may match: an entity or a tab or line break, or `script:` (caseless).
    static func mayHoldScriptScheme(_ input: ScanInput) -> Bool {
        guard !input.present.intersects(entityBytes) else { return true }
        guard input.present.contains(UInt8(ascii: ":")) else { return false }
        return input.lower.withUnsafeBufferPointer { lower in
            // `script:` ends at each colon it can.
            for colon in 6..<max(6, lower.count) where lower[colon] == UInt8(ascii: ":") {
                if lower[colon - 6] == 0x73, lower[colon - 5] == 0x63, lower[colon - 4] == 0x72, lower[colon - 3] == 0x69,
                   lower[colon - 2] == 0x70, lower[colon - 1] == 0x74 { return true }
            }
            return false
        }
    }

    /// 930100, `../` and its encodings: a separator (`/`, a backslash, `0x2f`, `0x5c` or `%`-encoded), then
    /// two or three dots (`.`, `.?`, `?`, `?.`, `0x2e` or `%`-encoded), then a separator.
    static let dotTraversalRules: Set<Int> = [930100]

    /// Whether 930100 may match: a `%` or `0x` (caseless), or a `/` or backslash followed by `.` or `?`.
    static func mayHoldDotTraversal(_ input: ScanInput) -> Bool {
        guard !input.present.contains(UInt8(ascii: "%")) else { return true }
        return input.lower.withUnsafeBufferPointer { lower in
            guard lower.count > 1 else { return false }
            for index in 0..<(lower.count - 1) {
                let byte = lower[index], next = lower[index + 1]
                if byte == UInt8(ascii: "/") || byte == 0x5C {
                    if next == UInt8(ascii: ".") || next == UInt8(ascii: "?") { return true }
                } else if byte == UInt8(ascii: "0"), next == UInt8(ascii: "x") {
                    return true
                }
            }
            return false
        }
    }

    /// 934100 (Node.js injection), case-sensitive, on the input without whitespace (and base64-decoded,
    /// when it decodes). Each alternative has `_`, `[` or `:`, or a letter right before `(` or `.`:
    /// `_$$ND_FUNC$$_`, `__js_function`, `eval(`, `Function(`, `function(){`, `String.fromCharCode`,
    /// `Module:prototype`, `this.constructor`, `module.exports=`, `child_process`, `constructor:`,
    /// `console.`/`console[`, `process.`/`process[`, `…[`, `require.`/`require[`.
    static let nodeCallRules: Set<Int> = [934100]
    /// Byte sets, beyond the generator's, each of which every match of the rule has a byte of (the
    /// gate reads them for the rule's variant, a base64 one included): for 934100, the bytes named above.
    static let requiredBytes: [Int: ByteSet] = [934100: ByteSet("_[:(.")]
    /// `_`, `[` and `:`.
    static var nodeCallBytes: ByteSet { ByteSet(words: (0x0400_0000_0000_0000, 0x8800_0000, 0, 0)) }

    /// Whether 934100 may match an input that is not base64: a byte of `nodeCallBytes`, or `l(`, `n(`,
    /// `e.`, `g.` or `s.` (caseless) with only whitespace between, which `removeWhitespace` takes out.
    static func mayHoldNodeCall(_ input: ScanInput) -> Bool {
        guard !input.present.intersects(nodeCallBytes) else { return true }
        guard input.present.contains(UInt8(ascii: "(")) || input.present.contains(UInt8(ascii: ".")) else { return false }
        return input.bytes.withUnsafeBufferPointer { bytes in
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte == UInt8(ascii: "(") || byte == UInt8(ascii: ".") else { continue }
                let start = blanksStart(before: index, in: bytes)
                guard start > 0 else { continue }
                let letter = bytes[start - 1] | 0x20
                if byte == UInt8(ascii: "(") {
                    if letter == UInt8(ascii: "l") || letter == UInt8(ascii: "n") { return true }
                } else if letter == UInt8(ascii: "e") || letter == UInt8(ascii: "g") || letter == UInt8(ascii: "s") {
                    return true
                }
            }
            return false
        }
    }

    /// 942190, whose one-byte atom `!` comes from its alternative `[\"'`][\s\x0b]*!`; its other atoms are longer.
    static let quotedBangRules: Set<Int> = [942190]

    /// Whether an input may hold a quote, blanks and `!` (as 942190's variant: `replaceComments` changes only inputs with a `*`).
    static func mayHoldQuotedBang(_ input: ScanInput) -> Bool {
        guard input.present.contains(UInt8(ascii: "!")), input.present.intersects(quoteBytes) else { return false }
        guard !input.present.contains(UInt8(ascii: "*")) else { return true }
        return input.bytes.withUnsafeBufferPointer { bytes in
            for bang in 0..<bytes.count where bytes[bang] == UInt8(ascii: "!") {
                let start = blanksStart(before: bang, in: bytes)
                if start > 0, quoteBytes.contains(bytes[start - 1]) { return true }
            }
            return false
        }
    }

    /// 942170, 942230 and 942320, whose one-byte atom `(` comes from alternatives where it follows a word
    /// (blanks between): `if`, `sleep` or `benchmark`; `if`; `div`. Each with its words as the bits of
    /// `wordsBeforeParen`; their other atoms are longer (942170 has none).
    static let parenWordRules: [Int: UInt8] = [942170: 0b0111, 942230: 0b0001, 942320: 0b1000]

    /// Which words end right before a `(` of an input, blanks between (caseless): bit 0 `if`, 1 `sleep`, 2 `benchmark`, 3 `div`.
    static func wordsBeforeParen(_ input: ScanInput) -> UInt8 {
        guard input.present.contains(UInt8(ascii: "(")) else { return 0 }
        return input.lower.withUnsafeBufferPointer { lower in
            @inline(__always) func ends(_ end: Int, _ word: StaticString) -> Bool {
                let count = word.utf8CodeUnitCount
                guard end >= count else { return false }
                let start = word.utf8Start
                for index in 0..<count where lower[end - count + index] != start[index] { return false }
                return true
            }
            var words: UInt8 = 0
            for paren in 0..<lower.count where lower[paren] == UInt8(ascii: "(") {
                let end = blanksStart(before: paren, in: lower)
                if ends(end, "if") { words |= 0b0001 }
                if ends(end, "sleep") { words |= 0b0010 }
                if ends(end, "benchmark") { words |= 0b0100 }
                if ends(end, "div") { words |= 0b1000 }
            }
            return words
        }
    }

    /// Where the run of blanks that ends right before `end` starts: PCRE's `[\s\x0b]`, which
    /// `removeWhitespace` drops too (`ByteScan.isSpace`, 0xA0 included), and 0x85; skipping more
    /// blanks than a pattern would only keeps more inputs.
    private static func blanksStart(before end: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var start = end
        while start > 0, ByteScan.isSpace(bytes[start - 1]) || bytes[start - 1] == 0x85 { start -= 1 }
        return start
    }

    /// `"`, `'` and backquote, spelled as words (see `entityBytes`).
    static var quoteBytes: ByteSet { ByteSet(words: (0x0000_0084_0000_0000, 0x0000_0001_0000_0000, 0, 0)) }
}

/// A compiled rule; a class so the scan loop reads rules without copying them.
final class CRSRule: Sendable {
    let id: Int
    let category: AttackCategory
    let paranoiaLevel: Int
    let message: String
    let targets: CRSTargets
    let transforms: TransformSet
    let condition: CompiledCondition
    let chain: [CompiledCondition]
    let atoms: [[UInt8]]?
    /// The one-byte atoms as a set, checked without the automaton (one-letter atoms would otherwise
    /// make the automaton report a hit at nearly every byte).
    let atomBytes: ByteSet
    /// The atoms of two bytes or more, searched by the pack's automaton.
    let longAtoms: [[UInt8]]
    /// A regex rule without atoms: it runs whenever its required bytes are present.
    let isUnfiltered: Bool
    /// The condition is a phrase list (`@pm`), which the automaton matches itself.
    let isPhraseRule: Bool
    /// The rule's plain atoms (for inputs without shell bytes) split like `atoms`; `hasPlainAtoms` is
    /// false when the generator derived none, and both are empty when no plain input can match.
    let hasPlainAtoms: Bool
    let plainAtoms: [[UInt8]]
    let plainAtomBytes: ByteSet
    let plainLongAtoms: [[UInt8]]
    /// The rarest byte of each automaton pattern of the rule (longer atoms, or phrases), in both
    /// cases: a variant without any of them holds none of the patterns, so the automaton is not run for it.
    let longAtomBytes: ByteSet
    let plainLongAtomBytes: ByteSet
    let requiredBytes: [ByteSet]
    /// The pattern begins with `\b` (after its flags), so a match needs a word boundary before it.
    let startsWithWordBoundary: Bool
    /// For the command rules of `CRSCommandStart`, whether the pattern has its `^` alternative; nil for the others.
    let commandStart: Bool?
    /// The pattern compiled anchored, for inputs on which `CRSCommandStart` finds few offsets that can begin a match.
    let anchoredCondition: LazyRegex?
    /// For the rules of `CRSCommandStart`, the command words an input without shell bytes must begin with.
    let commandWords: CommandWords?
    /// For the rules of `CRSCommandStart`, the command words one of which must follow a separator (or the start) of an input without `$`.
    let separatedCommandWords: CommandWords?
    /// For the Windows command rules, the command words one of which must follow a separator of an input without a backslash.
    let windowsCommandWords: CommandWords?
    /// One of the three lists above is there (`commandWordsExclude` applies).
    let hasCommandWords: Bool

    /// Bytes of one input a rule's pattern sees at once. 932125 backtracks quadratically on long runs
    /// of separators (its `:.*\\`), so it reads short overlapping windows; the others read the first
    /// 64 KB whole. (941160, which is worse, is left out of the pack by the generator.)
    let window: Int

    /// The first match that `CRSExclusions` accepts; a rejected one is searched past (a few times).
    /// `search` is where a match can begin (`.everywhere` but for the rules of `CRSCommandStart`).
    /// `offsets` are the command word offsets of the input, shared by its rules (`subject` is the
    /// input itself for the rules that read them).
    func firstAcceptedMatch(in subject: [UInt8], input: ScanInput, search: CRSCommandStart.Search, offsets: inout CommandWords.Offsets,
                            scratch: MatchScratch) -> Range<Int>? {
        guard var found = firstMatch(in: subject, scratch: scratch, search: search, offsets: &offsets) else { return nil }
        for _ in 0..<8 {
            if CRSExclusions.accepts(self, found, in: subject, input: input) { return found }
            guard subject.count <= window, case .regex(let regex) = condition.matcher, found.lowerBound + 1 < subject.count,
                  let next = regex.firstMatch(in: subject, from: found.lowerBound + 1, scratch: scratch) else { return nil }
            found = next
        }
        return nil
    }
    static let quadratic: Set<Int> = [932125]
    static let quadraticWindow = 512
    static let windowOverlap = 128

    /// Whether `firstMatch` turns `subject` (the input itself) away by its command words because no word of
    /// the pack's `union` can begin where it looks either; `answers` keeps the union's verdicts on the input.
    func commandWordsExclude(_ subject: [UInt8], search: CRSCommandStart.Search, union: CommandWordUnion,
                             answers: inout CommandWordUnion.Answers, offsets: inout CommandWords.Offsets) -> Bool {
        switch search {
        case .everywhere:
            guard windowsCommandWords != nil else { return false }
            return !answers.mayFollowWindowsSeparator(subject, union: union)
        case .commandWordAtStart:
            guard anchoredCondition != nil, subject.count <= window, commandWords != nil else { return false }
            return !answers.mayBeginCommand(subject, union: union, offsets: &offsets)
        case .candidates:
            guard subject.count <= window, anchoredCondition != nil, separatedCommandWords != nil else { return false }
            return !answers.mayFollowSeparator(subject, union: union, offsets: &offsets)
        case .nowhere:
            return false
        }
    }

    /// `search` says where a match can begin (see `CRSCommandStart`); the anchored twin tries those offsets in order.
    func firstMatch(in subject: [UInt8], scratch: MatchScratch, search: CRSCommandStart.Search, offsets: inout CommandWords.Offsets) -> Range<Int>? {
        // The optional word lists are tested in place (`?.`): binding one would retain each of its arrays.
        switch search {
        case .everywhere:
            if windowsCommandWords != nil, !subject.contains(0x5C), windowsCommandWords?.mayFollowWindowsSeparator(subject) == false { return nil }
        case .nowhere:
            return nil
        case .commandWordAtStart:
            guard anchoredCondition != nil, subject.count <= window else { break }
            if commandWords?.mayBeginCommand(subject, offsets: &offsets) == false { return nil }
            return anchoredCondition?.firstMatch(in: subject, scratch: scratch)
        case .candidates(let start):
            guard subject.count <= window, let anchoredCondition else { break }
            if separatedCommandWords?.mayFollowSeparator(subject, start: start, offsets: &offsets) == false { return nil }
            if start, let found = anchoredCondition.firstMatch(in: subject, scratch: scratch) { return found }
            let separators = CommandWords.separators
            for offset in subject.indices where separators.contains(subject[offset]) && !(start && offset == 0) {
                if let found = anchoredCondition.firstMatch(in: subject, from: offset, scratch: scratch) { return found }
            }
            return nil
        }
        guard subject.count > window else { return condition.match(subject, scratch: scratch) }
        guard window < 64 << 10 else { return condition.match(Array(subject[..<window]), scratch: scratch) }
        var start = 0
        while start < subject.count {
            let end = min(subject.count, start + window)
            if let found = condition.match(Array(subject[start..<end]), scratch: scratch) {
                return (found.lowerBound + start)..<(found.upperBound + start)
            }
            if end == subject.count { break }
            start = end - Self.windowOverlap
        }
        return nil
    }

    init?(_ definition: CRSRuleDefinition) {
        guard let condition = CompiledCondition(kind: definition.kind, argument: definition.argument, negated: false, transforms: TransformSet([])) else { return nil }
        var chain: [CompiledCondition] = []
        for link in definition.chain {
            guard let compiled = CompiledCondition(kind: link.kind, argument: link.argument, negated: link.negated, transforms: TransformSet(link.transforms)) else { return nil }
            chain.append(compiled)
        }
        id = definition.id
        window = Self.quadratic.contains(definition.id) ? Self.quadraticWindow : 64 << 10
        category = definition.category
        paranoiaLevel = definition.paranoiaLevel
        message = definition.message
        targets = CRSTargets(definition.targets)
        transforms = TransformSet(definition.transforms)
        self.condition = condition
        self.chain = chain
        let atoms = definition.atoms.map { $0.map { Array($0.utf8).lowercasedASCII() } }
        self.atoms = atoms
        requiredBytes = definition.requiredBytes.map { ByteSet(words: $0) }
        startsWithWordBoundary = definition.kind == .regex && (definition.argument.hasPrefix("\\b") || definition.argument.hasPrefix("(?i)\\b"))
        // The gate reasons about the input itself, so only for rules that search it untransformed.
        let untransformed = definition.kind == .regex && chain.isEmpty && TransformSet(definition.transforms).bits == 0
        commandStart = untransformed ? CRSCommandStart.rules[definition.id] : nil
        anchoredCondition = commandStart != nil ? LazyRegex(definition.argument, anchored: true) : nil
        commandWords = commandStart != nil ? CRSRuleDefinition.commandWords[definition.id].map { CommandWords($0) } : nil
        separatedCommandWords = commandStart != nil ? CRSRuleDefinition.separatedCommandWords[definition.id].map { CommandWords($0, evasion: CRSCommandStart.evasion) } : nil
        windowsCommandWords = untransformed ? CRSRuleDefinition.windowsCommandWords[definition.id].map { CommandWords($0, evasion: CommandWords.windowsEvasion) } : nil
        hasCommandWords = commandWords != nil || separatedCommandWords != nil || windowsCommandWords != nil
        let isPhrases = definition.kind != .regex
        isUnfiltered = !isPhrases && atoms == nil
        isPhraseRule = isPhrases
        var single: [UInt8] = []
        for atom in atoms ?? [] where atom.count == 1 && !isPhrases {
            single.append(atom[0])
            // Atoms are lowercased; the input's byte set is not.
            if atom[0] >= 0x61 && atom[0] <= 0x7A { single.append(atom[0] ^ 0x20) }
        }
        atomBytes = ByteSet(single)
        longAtoms = isPhrases ? [] : (atoms ?? []).filter { $0.count > 1 }
        let plain = isPhrases ? nil : definition.plainAtoms.map { $0.map { Array($0.utf8).lowercasedASCII() } }
        hasPlainAtoms = plain != nil
        plainAtoms = plain ?? []
        plainAtomBytes = ByteSet(plainAtoms.filter { $0.count == 1 }.flatMap { $0[0] >= 0x61 && $0[0] <= 0x7A ? [$0[0], $0[0] ^ 0x20] : [$0[0]] })
        plainLongAtoms = plainAtoms.filter { $0.count > 1 }
        let phrases: [[UInt8]]
        if case .phrases(let matcher) = condition.matcher { phrases = matcher.phrases } else { phrases = [] }
        longAtomBytes = Self.rarestBytes(of: isPhrases ? phrases : longAtoms)
        plainLongAtomBytes = Self.rarestBytes(of: plainLongAtoms)
    }

    /// The rarest byte (`NeedleSet.commonness`) of each of `needles` (lowercase), a letter in both cases.
    static func rarestBytes(of needles: [[UInt8]]) -> ByteSet {
        var bytes: [UInt8] = []
        for needle in needles {
            guard let rarest = needle.min(by: { NeedleSet.commonness($0) < NeedleSet.commonness($1) }) else { continue }
            bytes.append(rarest)
            if rarest >= UInt8(ascii: "a"), rarest <= UInt8(ascii: "z") { bytes.append(rarest ^ 0x20) }
        }
        return ByteSet(bytes)
    }
}

/// Per-scan PCRE2 match data, so compiled patterns stay shared and immutable across threads.
final class MatchScratch {
    /// Bounds backtracking: a CRS pattern on a megabyte of quotes and brackets must not run for
    /// seconds. A search that hits the limit counts as no match and is reported in `limitsHit`.
    static let matchLimit: UInt32 = 1_000_000

    let data: OpaquePointer
    let context: OpaquePointer
    var limitsHit = 0

    init() {
        data = pcre2_match_data_create_8(1, nil)
        context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, Self.matchLimit)
        pcre2_set_depth_limit_8(context, 10_000)
    }

    deinit {
        pcre2_match_data_free_8(data)
        pcre2_match_context_free_8(context)
    }
}

/// A regular expression or a phrase list, ready to run.
struct CompiledCondition: Sendable {
    let negated: Bool
    let transforms: TransformSet
    let matcher: Matcher
    /// The regex of `matcher`, read by `match` without retaining it (binding the enum's payload would); `matcher` keeps it alive.
    private let unretainedRegex: Unmanaged<LazyRegex>?

    enum Matcher: Sendable {
        case regex(LazyRegex)
        case phrases(PhraseMatcher)
    }

    var regex: LazyRegex? {
        guard case .regex(let regex) = matcher else { return nil }
        return regex
    }

    init?(kind: CRSRuleDefinition.Kind, argument: String, negated: Bool, transforms: TransformSet) {
        self.negated = negated
        self.transforms = transforms
        switch kind {
        case .regex:
            matcher = .regex(LazyRegex(argument))
        case .phrases:
            matcher = .phrases(PhraseMatcher(argument.split(separator: " ").map(String.init)))
        case .phraseFile:
            guard let phrases = CRSRuleDefinition.phraseFiles[argument] else { return nil }
            matcher = .phrases(PhraseMatcher(phrases))
        }
        if case .regex(let regex) = matcher { unretainedRegex = Unmanaged.passUnretained(regex) } else { unretainedRegex = nil }
    }

    func match(_ subject: [UInt8], scratch: MatchScratch) -> Range<Int>? {
        if let unretainedRegex { return unretainedRegex._withUnsafeGuaranteedRef { $0.firstMatch(in: subject, scratch: scratch) } }
        guard case .phrases(let phrases) = matcher else { return nil }
        return phrases.firstMatch(in: subject)
    }
}

/// A PCRE2 pattern compiled with the JIT; PCRE2 allows one compiled pattern to be used from many threads.
/// Public for the behaviour guard's allow rules, which are PCRE2 like the rule pack.
public final class CompiledRegex: @unchecked Sendable {
    let code: OpaquePointer

    /// PCRE2's words for a pattern it rejects, with the offset; `nil` when the pattern compiles.
    public static func problem(in pattern: String) -> String? {
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let bytes = Array(pattern.utf8)
        guard let code = bytes.withUnsafeBufferPointer({ pcre2_compile_8($0.baseAddress, $0.count, 0, &errorCode, &errorOffset, nil) }) else {
            var message = [UInt8](repeating: 0, count: 256)
            let length = pcre2_get_error_message_8(errorCode, &message, message.count)
            return "\(String(decoding: message.prefix(max(0, Int(length))), as: UTF8.self)) at offset \(errorOffset)"
        }
        pcre2_code_free_8(code)
        return nil
    }

    /// Whether the pattern matches anywhere in `subject`, under the rule pack's backtracking limits.
    public func matches(_ subject: [UInt8]) -> Bool {
        firstMatch(in: subject, scratch: MatchScratch()) != nil
    }

    public convenience init?(_ pattern: String) {
        self.init(pattern, anchored: false)
    }

    /// `anchored` compiles with `PCRE2_ANCHORED` (a match must start at the search's start offset).
    init?(_ pattern: String, anchored: Bool) {
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let bytes = Array(pattern.utf8)
        // Byte mode is much faster than UTF mode; only patterns that name code points above 0xFF need UTF.
        let needsUTF = pattern.contains("\\x{") && pattern.split(separator: "\\x{").dropFirst().contains { $0.prefix { $0 != "}" }.count > 2 }
        let options = (needsUTF ? PCRE2_UTF | PCRE2_MATCH_INVALID_UTF : 0) | (anchored ? PCRE2_ANCHORED : 0)
        guard let code = bytes.withUnsafeBufferPointer({ buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, options, &errorCode, &errorOffset, nil)
        }) else { return nil }
        pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE)
        self.code = code
    }

    deinit {
        pcre2_code_free_8(code)
    }

    func firstMatch(in subject: [UInt8], from start: Int = 0, scratch: MatchScratch) -> Range<Int>? {
        let result = subject.withUnsafeBufferPointer { buffer in
            pcre2_match_8(code, buffer.baseAddress ?? UnsafePointer(bitPattern: 1), buffer.count, start, 0, scratch.data, scratch.context)
        }
        if result == PCRE2_ERROR_MATCHLIMIT || result == PCRE2_ERROR_DEPTHLIMIT || result == PCRE2_ERROR_JIT_STACKLIMIT { scratch.limitsHit += 1 }
        // 0 means "matched, but the ovector has no room for the capture groups": still a match.
        guard result >= 0 else { return nil }
        let vector = pcre2_get_ovector_pointer_8(scratch.data)!
        let start = vector[0], end = vector[1]
        guard start <= end, end <= subject.count else { return 0..<0 }
        return start..<end
    }
}

/// `@pm`: case-insensitive phrase search, as ModSecurity does it.
struct PhraseMatcher: Sendable {
    let phrases: [[UInt8]]

    init(_ phrases: [String]) {
        self.phrases = phrases.map { Array($0.utf8).lowercasedASCII() }.filter { !$0.isEmpty }
    }

    func firstMatch(in subject: [UInt8]) -> Range<Int>? {
        let lower = subject.lowercasedASCII()
        for phrase in phrases {
            if let offset = ByteScan.find(phrase, in: lower) { return offset..<offset + phrase.count }
        }
        return nil
    }
}
