/// Palisade's own detectors, called directly rather than through existentials, and each only when
/// the input's bytes pass its gate: a name, a number or a word reaches none of them.
struct OwnDetectors: Sendable {
    /// The enabled detectors, in the order their matches are reported.
    private let active: [(category: AttackCategory, gate: ByteGate)]

    init(categories: Set<AttackCategory>) {
        active = AttackCategory.allCases.filter(categories.contains).map { ($0, Self.gate(of: $0)) }
    }

    /// Bytes an input needs before the detector of `category` can find anything, from the checks each
    /// detector opens with (a test holds the two to the same findings on the CRS corpus).
    static func gate(of category: AttackCategory) -> ByteGate {
        switch category {
        case .sqli:
            let quotes = SQLInjectionDetector.quotes
            var singles: [ByteSet] = []
            quotes.forEachByte { singles.append(ByteSet().adding($0)) }
            return ByteGate(any: quotes.union(DetectorNeedles.gate(of: .sqli)), also: SQLInjectionDetector.separators,
                            oneOf: singles + DetectorNeedles.byteSets(of: .sqli))
        case .xss: return ByteGate(any: CrossSiteScriptingDetector.gate)
        case .cmdi: return ByteGate(any: CommandInjectionDetector.gate.adding(UInt8(ascii: "/")), oneOf: CommandInjectionDetector.gateSets)
        case .code:
            // A signature that must be called needs a `(` as well as its own bytes.
            let needles = zip(DetectorNeedles.byteSets(of: .code), CodeInjectionDetector.signatures).map { $1.call ? $0.adding(UInt8(ascii: "(")) : $0 }
            return ByteGate(any: CodeInjectionDetector.gate, also: DetectorNeedles.gate(of: .code), oneOf: needles)
        case .traversal: return ByteGate(any: PathTraversalDetector.gate)
        case .ssrf: return ByteGate(any: ServerSideRequestForgeryDetector.gate, oneOf: ServerSideRequestForgeryDetector.gateSets)
        case .nosql: return ByteGate(any: NoSQLInjectionDetector.gate)
        case .proto: return ByteGate(also: PrototypePollutionDetector.eitherKey, all: PrototypePollutionDetector.needed)
        case .jndi: return ByteGate(all: JNDIInjectionDetector.needed)
        case .ssti: return ByteGate(any: TemplateInjectionDetector.gate, also: DetectorNeedles.gate(of: .ssti), oneOf: DetectorNeedles.byteSets(of: .ssti))
        }
    }

    func scan(_ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        var input = input
        // Read in place: copying an element out would retain its gate's `oneOf` for every input.
        active.withUnsafeBufferPointer { Self.scan(&input, with: $0, scratch: &scratch, into: &matches) }
    }

    /// Every input of an event but whole query strings (the detectors see their parameters one by
    /// one); `ends[i]` ends the matches of `inputs[i]`. The gates are read in place once per event.
    func scan(_ inputs: UnsafeMutableBufferPointer<ScanInput>, scratch: inout DetectorScratch, into matches: inout [Match], ends: inout [Int]) {
        active.withUnsafeBufferPointer { active in
            for index in inputs.indices {
                if !inputs[index].isQueryString { Self.scan(&inputs[index], with: active, scratch: &scratch, into: &matches) }
                ends.append(matches.count)
            }
        }
    }

    /// `input` is `inout` only to be passed by address, which the detectors then read in place: a
    /// value read out of a buffer pointer is copied (its arrays retained and released), since the
    /// optimizer cannot tell what else might write there meanwhile.
    private static func scan(_ input: inout ScanInput, with active: UnsafeBufferPointer<(category: AttackCategory, gate: ByteGate)>,
                             scratch: inout DetectorScratch, into matches: inout [Match]) {
        let lowered = input.present.addingLowercase
        scratch.start()
        for index in active.indices where active[index].gate.admits(lowered) {
            run(active[index].category, input, scratch: &scratch, into: &matches)
        }
    }

    /// One detector, without the gate.
    static func run(_ category: AttackCategory, _ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        switch category {
        case .sqli: SQLInjectionDetector().scan(input, scratch: &scratch, into: &matches)
        case .xss: CrossSiteScriptingDetector().scan(input, scratch: &scratch, into: &matches)
        case .cmdi: CommandInjectionDetector().scan(input, scratch: &scratch, into: &matches)
        case .code: CodeInjectionDetector().scan(input, scratch: &scratch, into: &matches)
        case .traversal: PathTraversalDetector().scan(input, scratch: &scratch, into: &matches)
        case .ssrf: ServerSideRequestForgeryDetector().scan(input, into: &matches)
        case .nosql: NoSQLInjectionDetector().scan(input, into: &matches)
        case .proto: PrototypePollutionDetector().scan(input, into: &matches)
        case .jndi: JNDIInjectionDetector().scan(input, into: &matches)
        case .ssti: TemplateInjectionDetector().scan(input, scratch: &scratch, into: &matches)
        }
    }
}

/// What an input's bytes (letters in either case) must hold for a detector to have a chance: a byte
/// of `any`, a byte of `also`, every byte of `all`, and every byte of one of `oneOf` (when given).
/// The first three are a few word operations that turn away most inputs before `oneOf` is read.
struct ByteGate: Sendable {
    let any: ByteSet
    let also: ByteSet
    let all: ByteSet
    let oneOf: [ByteSet]

    init(any: ByteSet = .all, also: ByteSet = .all, all: ByteSet = ByteSet(), oneOf: [ByteSet] = []) {
        self.any = any
        self.also = also
        self.all = all
        // A set holding another one adds nothing (of equal sets, the first stays).
        self.oneOf = oneOf.enumerated().filter { index, set in
            !oneOf.enumerated().contains { other, smaller in
                other != index && smaller.isSubset(of: set) && (!set.isSubset(of: smaller) || other < index)
            }
        }.map(\.element)
    }

    @inline(__always)
    func admits(_ lowered: ByteSet) -> Bool {
        guard lowered.intersects(any), lowered.intersects(also), all.isSubset(of: lowered) else { return false }
        return oneOf.isEmpty || oneOf.contains { $0.isSubset(of: lowered) }
    }
}

/// Every detector's needles in one automaton: one pass over an input answers all of them, and each
/// detector reads the hits of its own list, numbered as in the list.
enum DetectorNeedles {
    enum List: Int, CaseIterable {
        case sqli, code, traversal, ssti, xssSinks, xssSchemes

        var needles: [String] {
            switch self {
            case .sqli: SQLInjectionDetector.needles
            case .code: CodeInjectionDetector.needles
            case .traversal: PathTraversalDetector.needles
            case .ssti: TemplateInjectionDetector.needles
            case .xssSinks: CrossSiteScriptingDetector.sinkNeedles
            case .xssSchemes: CrossSiteScriptingDetector.schemeTails
            }
        }
    }

    static let set = NeedleSet(List.allCases.flatMap(\.needles))
    /// Where each list starts in `set`, and where the last one ends.
    static let offsets: [Int] = List.allCases.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.needles.count) }

    static func range(of list: List) -> Range<Int> { offsets[list.rawValue]..<offsets[list.rawValue + 1] }

    /// The bytes of each needle of one list: an input holding a needle holds all of them.
    static func byteSets(of list: List) -> [ByteSet] {
        set.needles[range(of: list)].map { ByteSet($0) }
    }

    /// The rarest byte of each needle of one list, as `NeedleSet.gate` is for the whole set.
    static func gate(of list: List) -> ByteSet {
        set.needles[range(of: list)].reduce(ByteSet()) { gate, needle in
            needle.min { NeedleSet.commonness($0) < NeedleSet.commonness($1) }.map(gate.adding) ?? gate
        }
    }
}

/// State the detectors share while they scan one input, kept from input to input so that a warm scan
/// allocates nothing: the hits of the one needle pass (run when a detector first asks) and the SQL
/// tokens and the shell word. Detectors read the hits in place: a copy of them would retain their three arrays.
struct DetectorScratch {
    private var hits = NeedleHits(patternCount: DetectorNeedles.set.needles.count)
    private var scanned = false
    var tokens: [SQLToken] = []
    var commandWord: [UInt8] = []

    /// Forgets the previous input's hits.
    mutating func start() { scanned = false }

    /// Whether a needle of `list` occurs; runs the needle pass for the input if no detector has yet.
    /// `contains` and `start` then answer about single needles.
    mutating func hasNeedle(of list: DetectorNeedles.List, in input: ScanInput) -> Bool {
        scanNeedles(in: input)
        let range = DetectorNeedles.range(of: list)
        return hits.ids.contains { range.contains(Int($0)) }
    }

    /// Whether needle `index` of `list` occurs, after `hasNeedle(of: list, in:)`.
    func contains(_ index: Int, of list: DetectorNeedles.List) -> Bool {
        hits.contains(DetectorNeedles.offsets[list.rawValue] + index)
    }

    /// Where needle `index` of `list` first starts, after `hasNeedle(of: list, in:)`.
    func start(of index: Int, in list: DetectorNeedles.List) -> Int? {
        hits.start(of: DetectorNeedles.offsets[list.rawValue] + index)
    }

    private mutating func scanNeedles(in input: ScanInput) {
        guard !scanned else { return }
        scanned = true
        let set = DetectorNeedles.set
        // `lower` holds only bytes of `present` and the lowercase forms of its capitals.
        if input.present.addingLowercase.intersects(set.gate) {
            set.automaton.firstOccurrences(in: input.lower, into: &hits)
        } else {
            hits.clear()
        }
    }
}
