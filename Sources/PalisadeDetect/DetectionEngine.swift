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

    private func inspect(_ document: JSONDocument, scratch: CRSScratch?) -> Verdict {
        let reader = EventReader(document: document, options: options)
        var event = EventScan(crsScratch: scratch, state: eventScratches.take())
        let limits = reader.forEachInput { take($0, into: &event) }
        // Emptied here, where `event` holds the only reference, so nothing is copied on the way.
        event.state.verdicts.removeAll()
        event.state.matches.removeAll(keepingCapacity: true)
        eventScratches.give(back: event.state)
        let truncated = event.regexLimitHit ? limits + ["crs-match-limit"] : limits
        return Verdict(trigger: reader.trigger, findings: event.findings, records: reader.records, truncated: truncated)
    }

    /// One input of an event: a method of the engine, which it borrows, rather than of the event's
    /// state or a closure over it, so that neither the engine nor the input's `ScanInput` is copied.
    private func take(_ view: InputView, into event: inout EventScan) {
        guard event.findings.count < Self.maxFindings else { return }
        let key = ShortInputKey(view)
        if let key, let known = event.state.verdicts.verdict(for: key) {
            // Only a cached verdict with matches needs the input decoded again, for its evidence.
            if !known.isEmpty { event.record(known, in: ScanInput(view), at: view) }
            return
        }
        let input = ScanInput(view)
        event.state.matches.removeAll(keepingCapacity: true)
        if !scan(input, scratch: event.crsScratch, detectorScratch: &event.state.detectors, into: &event.state.matches) { event.regexLimitHit = true }
        // An empty array rather than a copy of `matches`, whose storage the next input reuses.
        if let key { event.state.verdicts.insert(event.state.matches.isEmpty ? [] : event.state.matches, for: key) }
        if !event.state.matches.isEmpty { event.record(event.state.matches, in: input, at: view) }
    }

    /// All matches for one decoded input; returns false when a CRS pattern hit its backtracking limit.
    @discardableResult
    func scan(_ input: ScanInput, scratch: CRSScratch? = nil, detectorScratch: inout DetectorScratch, into matches: inout [Match]) -> Bool {
        if input.source != .queryString { detectors.scan(input, scratch: &detectorScratch, into: &matches) }
        guard let crs, let crsSelection else { return true }
        if let scratch { return crs.scan(input, selection: crsSelection, scratch: scratch, into: &matches) }
        return crs.scan(input, selection: crsSelection, into: &matches)
    }
}

/// What one event's scan has found so far, with the scratch it borrowed.
private struct EventScan {
    let crsScratch: CRSScratch?
    var state: EventScratch
    var findings: [Finding] = []
    var seen = Set<String>()
    var regexLimitHit = false

    mutating func record(_ found: [Match], in input: ScanInput, at view: InputView) {
        let location = view.location
        for match in found where seen.insert(match.rule + "\u{0}" + location).inserted {
            findings.append(Finding(
                category: match.category, rule: match.rule, message: match.message, location: location,
                evidence: input.evidence(match.evidence), record: view.record
            ))
        }
    }
}

/// What an event's scan keeps warm for the next event: the detectors' buffers, the short-input
/// cache's table and the matches array, so a warm event allocates none of them again.
struct EventScratch {
    var detectors = DetectorScratch()
    var verdicts = ShortInputCache()
    var matches: [Match] = []
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

    /// Takes back an emptied scratch.
    func give(back scratch: EventScratch) {
        idle.withLock { idle in
            if idle.count < Self.maxIdle { idle.append(scratch) }
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
