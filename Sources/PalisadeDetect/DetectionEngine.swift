import PalisadeJSON

/// Runs every enabled detector over every input of an event and gathers the findings.
struct DetectionEngine: Sendable {
    let options: DetectorOptions
    let detectors: [any InputDetector]
    let crs: CRSRulePack?
    let crsSelection: CRSRulePack.Selection?

    /// Findings kept per event; past this an event is an attack many times over already.
    static let maxFindings = 64

    init(options: DetectorOptions) {
        self.options = options
        self.detectors = DetectorRegistry.all.filter { options.categories.contains($0.category) }
        self.crs = options.crsRules ? CRSRulePack.shared : nil
        self.crsSelection = crs?.select(categories: options.categories, paranoiaLevel: options.paranoiaLevel)
    }

    func inspect(_ document: JSONDocument) -> Verdict {
        let reader = EventReader(document: document, options: options)
        var findings: [Finding] = []
        var seen = Set<String>()
        var matches: [Match] = []
        let limits = reader.forEachInput { view in
            guard findings.count < Self.maxFindings else { return }
            let input = ScanInput(view)
            matches.removeAll(keepingCapacity: true)
            scan(input, into: &matches)
            guard !matches.isEmpty else { return }
            let location = view.location
            for match in matches where seen.insert(match.rule + "\u{0}" + location).inserted {
                findings.append(Finding(
                    category: match.category, rule: match.rule, message: match.message, location: location,
                    evidence: input.evidence(match.evidence), record: view.record
                ))
            }
        }
        return Verdict(trigger: reader.trigger, findings: findings, records: reader.records, truncated: limits)
    }

    /// All matches for one decoded input; exposed for tests of single values.
    func scan(_ input: ScanInput, into matches: inout [Match]) {
        for detector in detectors {
            detector.scan(input, into: &matches)
        }
        if let crs, let crsSelection { crs.scan(input, selection: crsSelection, into: &matches) }
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

/// A detector of one attack family; each reports rules with stable ids under its category.
protocol InputDetector: Sendable {
    var category: AttackCategory { get }
    func scan(_ input: ScanInput, into matches: inout [Match])
}

enum DetectorRegistry {
    static let all: [any InputDetector] = [
        SQLInjectionDetector(), CrossSiteScriptingDetector(), CommandInjectionDetector(), CodeInjectionDetector(),
        PathTraversalDetector(), ServerSideRequestForgeryDetector(), NoSQLInjectionDetector(),
        PrototypePollutionDetector(), JNDIInjectionDetector(), TemplateInjectionDetector(),
    ]
}
