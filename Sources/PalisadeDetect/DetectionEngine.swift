import PalisadeJSON

/// Runs every enabled detector over every input of an event and gathers the findings.
struct DetectionEngine: Sendable {
    let options: DetectorOptions
    let detectors: OwnDetectors
    let crs: CRSRulePack?
    let crsSelection: CRSRulePack.Selection?
    let scratches: CRSScratchPool?

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
        var findings: [Finding] = []
        var seen = Set<String>()
        var matches: [Match] = []
        var detectorScratch = DetectorScratch()
        // Arrays of records repeat their keys and many short values; each distinct one is scanned once.
        var verdicts = ShortInputCache()
        var regexLimitHit = false
        func record(_ found: [Match], in input: ScanInput, at view: InputView) {
            let location = view.location
            for match in found where seen.insert(match.rule + "\u{0}" + location).inserted {
                findings.append(Finding(
                    category: match.category, rule: match.rule, message: match.message, location: location,
                    evidence: input.evidence(match.evidence), record: view.record
                ))
            }
        }
        let limits = reader.forEachInput { view in
            guard findings.count < Self.maxFindings else { return }
            let key = ShortInputKey(view)
            if let key, let known = verdicts.verdict(for: key) {
                // Only a cached verdict with matches needs the input decoded again, for its evidence.
                if !known.isEmpty { record(known, in: ScanInput(view), at: view) }
                return
            }
            let input = ScanInput(view)
            matches.removeAll(keepingCapacity: true)
            if !scan(input, scratch: scratch, detectorScratch: &detectorScratch, into: &matches) { regexLimitHit = true }
            // An empty array rather than a copy of `matches`, whose storage the next input reuses.
            if let key { verdicts.insert(matches.isEmpty ? [] : matches, for: key) }
            if !matches.isEmpty { record(matches, in: input, at: view) }
        }
        return Verdict(trigger: reader.trigger, findings: findings, records: reader.records, truncated: limits + (regexLimitHit ? ["crs-match-limit"] : []))
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

/// One rule's hit inside one input.
struct Match {
    var category: AttackCategory
    var rule: String
    var message: String
    /// Byte range in `ScanInput.bytes` that matched.
    var evidence: Range<Int>
}
