import PalisadeJSON
import Synchronization

/// Runs every enabled detector over every input of an event and gathers the findings.
struct DetectionEngine: Sendable {
    let options: DetectorOptions
    let detectors: OwnDetectors
    let crs: CRSRulePack?
    let crsSelection: CRSRulePack.Selection?
    let scratches: CRSScratchPool?
    let eventScratches = EventScratchPool()

    /// Findings kept per event; past this an event is an attack many times over already.
    static let maxFindings = 64

    init(options: DetectorOptions) {
        self.options = options
        self.detectors = OwnDetectors(categories: options.categories)
        // With every category off (the agent's `off` mode) the pack would never match: not compiled.
        self.crs = options.crsRules && !options.categories.isEmpty ? CRSRulePack.covering(paranoiaLevel: options.paranoiaLevel) : nil
        self.crsSelection = crs?.select(categories: options.categories, paranoiaLevel: options.paranoiaLevel)
        self.scratches = crs.map { CRSScratchPool(patternCount: $0.automaton.patternCount) }
    }

    func inspect(_ document: JSONDocument) -> Verdict {
        guard let scratches else { return inspect(document, scratch: nil) }
        return scratches.withScratch { inspect(document, scratch: $0) }
    }

    /// In phases rather than input by input: every input is decoded first, then the own detectors
    /// run over all of them, then the CRS pack, so each keeps its tables (and PCRE2 its JIT code) in
    /// cache for the whole event instead of evicting the other's at every input. The findings are
    /// then recorded in the order, and with the limits, of an input-by-input scan.
    private func inspect(_ document: JSONDocument, scratch: CRSScratch?) -> Verdict {
        let reader = EventReader(document: document, options: options)
        var state = eventScratches.take()
        let limits = reader.walk(into: &state)
        state.scanInputs(detectors, crs: crs, selection: crsSelection, scratch: scratch)
        var event = EventFindings()
        if !state.ownMatches.isEmpty || !state.crsMatches.isEmpty || !state.limitHit.isEmpty {
            var firstSeen = 0
            for position in state.walked.indices {
                guard event.findings.count < Self.maxFindings else { break }
                let index = state.walked[position].input
                guard index != WalkedSlot.knownCleanKey else { continue }
                if index == firstSeen {
                    firstSeen += 1
                    if !state.limitHit.isEmpty, state.limitHit.contains(index) { event.regexLimitHit = true }
                }
                let matches = state.matches(of: index)
                if !matches.own.isEmpty || !matches.crs.isEmpty { event.record(state, index, matches, at: position) }
            }
        }
        if options.rememberCleanKeys { state.rememberCleanKeys() }
        state.clear()
        eventScratches.give(back: consume state)
        let truncated = event.regexLimitHit ? limits + ["crs-match-limit"] : limits
        return Verdict(trigger: reader.trigger, findings: event.findings, records: reader.records, truncated: truncated)
    }
}

/// The findings of one event so far.
private struct EventFindings {
    var findings: [Finding] = []
    var regexLimitHit = false

    /// The matches of decoded input `index` (`matches`: the own detectors', then the pack's) at the
    /// place of walked input `position`.
    mutating func record(_ state: EventScratch, _ index: Int, _ matches: (own: Range<Int>, crs: Range<Int>), at position: Int) {
        let walked = state.walked[position]
        let location = state.paths.location(of: walked.path)
        for match in state.ownMatches[matches.own] { record(match, in: state.inputs[index], at: location, record: walked.record) }
        for match in state.crsMatches[matches.crs] { record(match, in: state.inputs[index], at: location, record: walked.record) }
    }

    private mutating func record(_ match: Match, in input: ScanInput, at location: String, record: Int?) {
        // One finding per rule and location. An event keeps at most `maxFindings`, mostly a few: a
        // look over them beats hashing a new key string per match.
        guard !findings.contains(where: { $0.rule == match.rule && $0.location == location }) else { return }
        findings.append(Finding(
            category: match.category, rule: match.rule, message: match.message, location: location,
            evidence: input.evidence(match.evidence), record: record
        ))
    }
}

/// What an event's scan keeps warm for the next event: the detectors' buffers, the short-input
/// cache's table and the per-input arrays of the phases, so a warm event allocates none of them again.
/// The walker hands it each input, which it decodes unless a short input of the same bytes and kind
/// came before: then it shares that one's verdict.
struct EventScratch: InputSink {
    var detectors = DetectorScratch()
    /// Index in `inputs` of each distinct short input decoded so far.
    var verdicts = ShortInputCache<Int>()
    /// Keys found clean in earlier events of this scratch; kept by `clear`.
    var cleanKeys = CleanKeyMemo()
    /// The event's decoded inputs, each distinct short input once, are the first `inputCount`. The
    /// rest are earlier events' inputs, kept so that the next inputs are copied into their arrays
    /// instead of allocating arrays that the end of the event would free again.
    var inputs: [ScanInput] = []
    var inputCount = 0
    /// Inputs too long to keep their arrays for the next event.
    var oversized: [Int] = []
    /// Every input walked, in order (one array rather than one per field: an append per input).
    var walked: [WalkedSlot] = []
    /// Every step walked; `walked[i].path` is the last step of walked input `i`.
    var paths = PathTree()
    /// The own detectors' matches of all inputs, in order; `ownEnds[i]` ends those of `inputs[i]`.
    var ownMatches: [Match] = []
    var ownEnds: [Int] = []
    /// The same for the CRS pack (empty without it).
    var crsMatches: [Match] = []
    var crsEnds: [Int] = []
    /// Inputs whose CRS scan hit a pattern's backtracking limit.
    var limitHit = Set<Int>()

    /// Where the matches of decoded input `index` lie in `ownMatches` and `crsMatches`; asked inline for
    /// each walked input, most of which have none, before the call that records them.
    @inline(__always)
    func matches(of index: Int) -> (own: Range<Int>, crs: Range<Int>) {
        (Self.matches(of: index, ending: ownEnds), crsEnds.isEmpty ? 0..<0 : Self.matches(of: index, ending: crsEnds))
    }

    @inline(__always)
    private static func matches(of index: Int, ending ends: [Int]) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// Runs the own detectors over every decoded input, then the CRS pack when there is one.
    mutating func scanInputs(_ detectors: OwnDetectors, crs: CRSRulePack?, selection: CRSRulePack.Selection?, scratch: CRSScratch?) {
        // Moved out of `self` (which the phases write meanwhile) and lent by address: an input read
        // out of a buffer pointer as a value is copied, its arrays retained and released.
        var taken: [ScanInput] = []
        swap(&taken, &inputs)
        taken.withUnsafeMutableBufferPointer { [inputCount] slots in
            let inputs = UnsafeMutableBufferPointer(rebasing: slots[..<inputCount])
            detectors.scan(inputs, scratch: &self.detectors, into: &ownMatches, ends: &ownEnds)
            // A pack comes with its selection and a scratch. The scratch is unwrapped once, outside the
            // loop: unwrapped per input, it was retained and released around every scan.
            guard let crs, let selection, let scratch else { return }
            for index in inputs.indices {
                if !Self.scan(&inputs[index], with: crs, selection, scratch: scratch, into: &crsMatches) { limitHit.insert(index) }
                crsEnds.append(crsMatches.count)
            }
        }
        swap(&taken, &inputs)
    }

    /// `input` is `inout` only to be read in place (see `scanInputs`).
    private static func scan(_ input: inout ScanInput, with crs: CRSRulePack, _ selection: CRSRulePack.Selection, scratch: CRSScratch, into matches: inout [Match]) -> Bool {
        crs.scan(input, selection: selection, scratch: scratch, into: &matches)
    }

    /// Adds the event's clean keys to `cleanKeys`: those with no match of either phase and no regex
    /// limit hit.
    mutating func rememberCleanKeys() {
        // The closure reads copies: `cleanKeys` is being written meanwhile.
        cleanKeys.remember(from: verdicts) { [ownEnds, crsEnds, limitHit] index in
            Self.matches(of: index, ending: ownEnds).isEmpty && (crsEnds.isEmpty || Self.matches(of: index, ending: crsEnds).isEmpty)
                && !limitHit.contains(index)
        }
    }

    /// Empties every part for the next event, keeping the storage.
    mutating func clear() {
        verdicts.removeAll()
        for index in oversized { inputs[index].dropArrays() }
        oversized.removeAll(keepingCapacity: true)
        inputCount = 0
        if inputs.count > Self.maxKeptInputs { inputs.removeSubrange(Self.maxKeptInputs...) }
        walked.removeAll(keepingCapacity: true)
        paths.removeAll()
        ownMatches.removeAll(keepingCapacity: true)
        ownEnds.removeAll(keepingCapacity: true)
        crsMatches.removeAll(keepingCapacity: true)
        crsEnds.removeAll(keepingCapacity: true)
        limitHit.removeAll(keepingCapacity: true)
    }

    /// Inputs kept for the next event past this many are freed (with their arrays of up to 1 KB each,
    /// a scratch holds at most about 2 MB).
    static let maxKeptInputs = 1024

    mutating func take(_ value: consuming [UInt8], _ input: consuming WalkedInput) {
        let raw = value
        guard let present = raw.withUnsafeBufferPointer({ admit($0, input) }) else { return }
        if inputCount < inputs.count, raw.count <= ByteArrays.maxKeptCount {
            inputs[inputCount].refill(raw, present: present, walked: input, paths: paths)
        } else {
            place(ScanInput(raw, present: present, walked: input, paths: paths))
        }
        inputCount += 1
    }

    /// A short input already held is found from the document's bytes, without an array of them.
    mutating func take(bytes value: UnsafeBufferPointer<UInt8>, _ input: consuming WalkedInput) {
        guard let present = admit(value, input) else { return }
        if inputCount < inputs.count, value.count <= ByteArrays.maxKeptCount {
            inputs[inputCount].refill(value, present: present, walked: input, paths: paths)
        } else {
            place(ScanInput(Array(value), present: present, walked: input, paths: paths))
        }
        inputCount += 1
    }

    /// Puts a new input in the next place (a long one has arrays of its own: copying it would cost
    /// more than allocating them).
    private mutating func place(_ input: consuming ScanInput) {
        if inputCount < inputs.count {
            inputs[inputCount] = input
        } else {
            inputs.append(input)
        }
    }

    /// Records a walked input. Returns nil when a short input of the same bytes and kind came
    /// before (this one shares its verdict), or else the byte set of `value`, which the caller
    /// decodes into the next input.
    private mutating func admit(_ value: UnsafeBufferPointer<UInt8>, _ input: WalkedInput) -> ByteSet? {
        let index = inputCount
        if let digest = ShortInputKey.digest(of: value, isKey: input.isKey, source: input.source) {
            if input.isKey, cleanKeys.contains(value, source: input.source, digest: digest) {
                walked.append(WalkedSlot(path: input.path, record: input.record, input: WalkedSlot.knownCleanKey))
                return nil
            }
            if let known = verdicts.verdict(for: value, isKey: input.isKey, source: input.source, digest: digest, orInsert: index) {
                walked.append(WalkedSlot(path: input.path, record: input.record, input: known))
                return nil
            }
        }
        walked.append(WalkedSlot(path: input.path, record: input.record, input: index))
        if value.count > ByteArrays.maxKeptCount { oversized.append(index) }
        return ByteSet(value)
    }
}

/// One walked input: its last step, its record (batch events) and the index in `inputs` whose
/// matches it has.
struct WalkedSlot {
    let path: Int32
    let record: Int?
    let input: Int

    /// `input` of a key found clean in an earlier event (`CleanKeyMemo`): it has no input this event.
    static let knownCleanKey = -1
}

/// Event scratches kept across events; each event takes one and gives it back, so two threads never
/// share one.
final class EventScratchPool: Sendable {
    /// Scratches kept beyond this are dropped: more threads than this rarely inspect at once.
    static let maxIdle = 16

    private let idle = Mutex<[EventScratch]>([])

    func take() -> EventScratch {
        idle.withLock { $0.popLast() } ?? EventScratch()
    }

    /// Takes back an emptied scratch; moved, not copied, into the pool (a copy would count the
    /// references of all its arrays).
    func give(back scratch: consuming EventScratch) {
        var pending: EventScratch? = consume scratch
        idle.withLock { idle in
            if idle.count < Self.maxIdle, let scratch = pending.take() { idle.append(scratch) }
        }
    }
}

/// One rule's hit inside one input.
struct Match {
    var category: AttackCategory
    var rule: String
    var message: String
    /// Byte range in `ScanInput.bytes` that matched.
    var evidence: Range<Int>
}
