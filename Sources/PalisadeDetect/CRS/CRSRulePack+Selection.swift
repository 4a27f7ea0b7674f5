extension CRSRulePack {
    /// The rules one detector configuration runs, chosen once at start-up, with their cheap necessary
    /// conditions turned around into per-byte tables of rule sets: an input's candidate rules come
    /// from OR-ing the tables' rows for the bytes it has (a few dozen distinct bytes) and AND-ing the
    /// results, not from a loop over the rules.
    struct Selection: Sendable {
        let active: RuleBits
        /// The active rules' distinct transformation sets, so each input variant is built and searched at most once.
        let transformSets: [TransformSet]
        /// For each entry of `transformSets`, its active rules.
        let rulesOfSet: [RuleBits]
        /// For each rule, its entry in `transformSets` (-1 when inactive).
        let transformIndex: [Int]
        /// Rows of rule sets by byte: for each byte, its row of each `Table` one after the other, so
        /// the gate reads a byte's rows from one stretch of memory; the rows of rules 0..<128 in
        /// `lowTables` (two cache lines a byte), of the others in `highTables`.
        let lowTables: [RuleBits.Half]
        let highTables: [RuleBits.Half]
        /// No active rule has an index from 128 on (paranoia level 1 has fewer rules): the gate reads `lowTables` alone.
        let isNarrow: Bool
        /// For each required byte set slot, the rules with fewer sets than that (the slot always holds for them).
        let unconstrained: (RuleBits, RuleBits, RuleBits, RuleBits)
        /// For each `CRSTargets.bit(for:)` bit position, the rules whose targets cover that source.
        let bySource: [RuleBits]
        /// The header names some active rule names or excludes (`CRSTargets`), each with the rules that
        /// read a header value of that name; a header of any other name is read by `otherHeaderRules`.
        let namedHeaders: [[UInt8]]
        let namedHeaderRules: [RuleBits]
        let otherHeaderRules: RuleBits
        /// For each `TransformSet` bit position, the active rules whose transformations have it.
        let withTransform: [RuleBits]
        /// The transformations of the active rules, together.
        let transformBits: UInt16
        let unfiltered: RuleBits
        let withAtomBytes: RuleBits
        let withPlainAtoms: RuleBits
        let withPlainLongAtoms: RuleBits
        /// The active rules of the categories `CRSExclusions` turns away whole (`CRSRulePack.turnAway`).
        let commandInjection: RuleBits
        let crossSiteScripting: RuleBits
        /// The active rules of `CRSEvasionFreeLiterals`.
        let scriptScheme: RuleBits
        let dotTraversal: RuleBits
        let quotedBang: RuleBits
        let wordBeforeParen: RuleBits
        let nodeCall: RuleBits
        /// For each rule of `wordBeforeParen`, its words (`CRSEvasionFreeLiterals.parenWordRules`); 0 for the others.
        let parenWords: [UInt8]
        /// The active rules whose search `CRSCommandStart` or their command words may rule out.
        let withCommandSearch: RuleBits
        /// Of those, by `CRSRule.commandStart` (with or without the start alternative) and by word list
        /// (`commandWords`, `separatedCommandWords`, `windowsCommandWords`).
        let withStartAlternative: RuleBits
        let withoutStartAlternative: RuleBits
        let withCommandWords: RuleBits
        let withSeparatedWords: RuleBits
        let withWindowsWords: RuleBits
        /// The active rules that read short windows of long inputs (`CRSRule.window`).
        let quadratic: RuleBits
        /// `CRSRulePack.shellBytes`, held here so the gate reads no global.
        let shellBytes = CRSRulePack.shellBytes

        enum Table: Int, CaseIterable {
            case required0, required1, required2, required3, atomBytes, plainAtomBytes, longAtomBytes, plainLongAtomBytes
        }

        static let maxRequired = 4

        init(rules: [CRSRule], categories: Set<AttackCategory>, paranoiaLevel: Int) {
            precondition(rules.count <= RuleBits.capacity, "the CRS pack holds \(rules.count) rules, more than \(RuleBits.capacity)")
            var active = RuleBits.empty
            var transformSets: [TransformSet] = []
            var rulesOfSet: [RuleBits] = []
            var transformIndex = [Int](repeating: -1, count: rules.count)
            var tables = [RuleBits](repeating: .empty, count: Table.allCases.count * 256)
            precondition(Table.allCases.count == HalfRows.tableCount, "the gate reads \(HalfRows.tableCount) rows per byte")
            var unconstrained = [RuleBits](repeating: .empty, count: Self.maxRequired)
            var bySource = [RuleBits](repeating: .empty, count: 16)
            var headerNames: [[UInt8]] = []
            var withTransform = [RuleBits](repeating: .empty, count: 16)
            var unfiltered = RuleBits.empty, withAtomBytes = RuleBits.empty, withPlainAtoms = RuleBits.empty, withPlainLongAtoms = RuleBits.empty
            var commandInjection = RuleBits.empty, crossSiteScripting = RuleBits.empty, withCommandSearch = RuleBits.empty
            var scriptScheme = RuleBits.empty, dotTraversal = RuleBits.empty, quotedBang = RuleBits.empty, wordBeforeParen = RuleBits.empty
            var nodeCall = RuleBits.empty
            var parenWords = [UInt8](repeating: 0, count: rules.count)
            var withStartAlternative = RuleBits.empty, withoutStartAlternative = RuleBits.empty, withCommandWords = RuleBits.empty
            var withSeparatedWords = RuleBits.empty, withWindowsWords = RuleBits.empty, quadratic = RuleBits.empty
            func mark(_ table: Table, _ bytes: ByteSet, _ index: Int) {
                bytes.forEachByte { tables[Int($0) * HalfRows.tableCount + table.rawValue].insert(index) }
            }
            for (index, rule) in rules.enumerated() where rule.paranoiaLevel <= paranoiaLevel && categories.contains(rule.category) {
                let required = rule.requiredBytes + (CRSEvasionFreeLiterals.requiredBytes[rule.id].map { [$0] } ?? [])
                precondition(required.count <= Self.maxRequired, "CRS rule \(rule.id) has more than \(Self.maxRequired) required byte sets")
                active.insert(index)
                if let existing = transformSets.firstIndex(of: rule.transforms) {
                    transformIndex[index] = existing
                } else {
                    transformIndex[index] = transformSets.count
                    transformSets.append(rule.transforms)
                    rulesOfSet.append(.empty)
                }
                rulesOfSet[transformIndex[index]].insert(index)
                for slot in 0..<Self.maxRequired {
                    if slot < required.count {
                        mark(Table(rawValue: slot)!, required[slot], index)
                    } else {
                        unconstrained[slot].insert(index)
                    }
                }
                mark(.atomBytes, rule.atomBytes, index)
                mark(.plainAtomBytes, rule.plainAtomBytes, index)
                mark(.longAtomBytes, rule.longAtomBytes, index)
                mark(.plainLongAtomBytes, rule.plainLongAtomBytes, index)
                let sources = rule.targets.sourceBits
                for position in 0..<16 where sources & (1 << position) != 0 { bySource[position].insert(index) }
                for name in rule.targets.namedHeaders + rule.targets.excludedHeaders where !headerNames.contains(name) { headerNames.append(name) }
                for position in 0..<16 where rule.transforms.bits & (1 << position) != 0 { withTransform[position].insert(index) }
                if rule.isUnfiltered { unfiltered.insert(index) }
                if !rule.atomBytes.isEmpty { withAtomBytes.insert(index) }
                if rule.hasPlainAtoms { withPlainAtoms.insert(index) }
                if !rule.plainLongAtoms.isEmpty { withPlainLongAtoms.insert(index) }
                if rule.category == .cmdi { commandInjection.insert(index) }
                if rule.category == .xss { crossSiteScripting.insert(index) }
                if CRSEvasionFreeLiterals.scriptSchemeRules.contains(rule.id) { scriptScheme.insert(index) }
                if CRSEvasionFreeLiterals.dotTraversalRules.contains(rule.id) { dotTraversal.insert(index) }
                if CRSEvasionFreeLiterals.quotedBangRules.contains(rule.id) { quotedBang.insert(index) }
                if CRSEvasionFreeLiterals.nodeCallRules.contains(rule.id) { nodeCall.insert(index) }
                if let words = CRSEvasionFreeLiterals.parenWordRules[rule.id] {
                    wordBeforeParen.insert(index)
                    parenWords[index] = words
                }
                if rule.commandStart != nil || rule.hasCommandWords { withCommandSearch.insert(index) }
                if let hasStart = rule.commandStart {
                    if hasStart { withStartAlternative.insert(index) } else { withoutStartAlternative.insert(index) }
                    precondition(rule.anchoredCondition != nil, "CRS command rule \(rule.id) has no anchored pattern")
                }
                if rule.commandStart != nil, rule.commandWords != nil { withCommandWords.insert(index) }
                if rule.commandStart != nil, rule.separatedCommandWords != nil { withSeparatedWords.insert(index) }
                if rule.windowsCommandWords != nil { withWindowsWords.insert(index) }
                precondition(rule.window == CRSRule.quadraticWindow || rule.window == 64 << 10, "CRS rule \(rule.id) reads windows of \(rule.window) bytes")
                if rule.window == CRSRule.quadraticWindow { quadratic.insert(index) }
            }
            // A rule that lowercases the input (`lowercase`, or `cmdLine`, which changes every input that
            // has an uppercase letter) sees each uppercase letter as its lowercase one: for those rules an
            // uppercase letter's rows hold the lowercase letter's too, so the gate adds no rows for them.
            let lowercasing = withTransform[TransformSet.lowercase.trailingZeroBitCount] | withTransform[TransformSet.commandLine.trailingZeroBitCount]
            for upper in Int(UInt8(ascii: "A"))...Int(UInt8(ascii: "Z")) {
                for table in 0..<HalfRows.tableCount {
                    tables[upper * HalfRows.tableCount + table] |= tables[(upper | 0x20) * HalfRows.tableCount + table] & lowercasing
                }
            }
            self.active = active
            self.transformSets = transformSets
            self.rulesOfSet = rulesOfSet
            self.transformIndex = transformIndex
            self.lowTables = tables.map(\.low)
            self.highTables = tables.map(\.high)
            self.isNarrow = active.high == RuleBits.Half()
            self.unconstrained = (unconstrained[0], unconstrained[1], unconstrained[2], unconstrained[3])
            self.bySource = bySource
            func rulesReading(header name: [UInt8]) -> RuleBits {
                let input = ScanInput([], source: .header(name))
                var covered = RuleBits.empty
                active.forEach { if rules[$0].targets.covers(input) { covered.insert($0) } }
                return covered
            }
            namedHeaders = headerNames
            namedHeaderRules = headerNames.map(rulesReading)
            // No active rule names or excludes this one: it stands for every other name.
            var other = Array("x-palisade-other".utf8)
            while headerNames.contains(other) { other.append(0x2D) }
            otherHeaderRules = rulesReading(header: other)
            self.withTransform = withTransform
            self.transformBits = transformSets.reduce(0) { $0 | $1.bits }
            self.unfiltered = unfiltered
            self.withAtomBytes = withAtomBytes
            self.withPlainAtoms = withPlainAtoms
            self.withPlainLongAtoms = withPlainLongAtoms
            self.commandInjection = commandInjection
            self.crossSiteScripting = crossSiteScripting
            self.scriptScheme = scriptScheme
            self.dotTraversal = dotTraversal
            self.quotedBang = quotedBang
            self.wordBeforeParen = wordBeforeParen
            self.nodeCall = nodeCall
            self.parenWords = parenWords
            self.withCommandSearch = withCommandSearch
            self.withStartAlternative = withStartAlternative
            self.withoutStartAlternative = withoutStartAlternative
            self.withCommandWords = withCommandWords
            self.withSeparatedWords = withSeparatedWords
            self.withWindowsWords = withWindowsWords
            self.quadratic = quadratic
        }

        /// The active rules with transformation `bit` that can change `input` (`TransformSet.effective(for:)`).
        @inline(__always)
        func changing(_ bit: UInt16, _ input: ScanInput) -> RuleBits {
            input.transformTraits.unchanging & bit == 0 ? withTransform[bit.trailingZeroBitCount] : .empty
        }

        /// The active rules whose variant of `input` may differ from its lowercase copy (`InputTraits.lowercaseOnly`).
        func changingLowercase(_ input: ScanInput) -> RuleBits {
            var rest = transformBits & ~input.transformTraits.lowercaseOnly
            var rules = RuleBits.empty
            while rest != 0 {
                rules |= withTransform[rest.trailingZeroBitCount]
                rest &= rest &- 1
            }
            return rules
        }

        /// The OR of the rows of an input's bytes, one per `Table`, for half of the rules (eight
        /// vector registers: a byte costs at most eight loads, eight ANDs and eight ORs; most inputs
        /// need no AND, and those with a shell byte only six rows).
        struct HalfRows {
            var required0 = RuleBits.Half(), required1 = RuleBits.Half(), required2 = RuleBits.Half(), required3 = RuleBits.Half()
            var atoms = RuleBits.Half(), plainAtoms = RuleBits.Half(), longAtoms = RuleBits.Half(), plainLongAtoms = RuleBits.Half()

            static let tableCount = 8

            @inline(__always)
            mutating func add(_ table: UnsafeBufferPointer<RuleBits.Half>, _ byte: Int, _ mask: RuleBits.Half) {
                add(table, byte, mask, masked: true, plain: true)
            }

            /// Without `masked` the mask is taken to be every rule; without `plain` the plain rows are left out.
            @inline(__always)
            mutating func add(_ table: UnsafeBufferPointer<RuleBits.Half>, _ byte: Int, _ mask: RuleBits.Half, masked: Bool, plain: Bool) {
                let row = byte &* Self.tableCount
                @inline(__always) func read(_ offset: Int) -> RuleBits.Half { masked ? table[row &+ offset] & mask : table[row &+ offset] }
                required0 |= read(0)
                required1 |= read(1)
                required2 |= read(2)
                required3 |= read(3)
                atoms |= read(4)
                longAtoms |= read(6)
                if plain {
                    plainAtoms |= read(5)
                    plainLongAtoms |= read(7)
                }
            }
        }

        /// Which rules the bytes of an input's variants add rows for (`gate`).
        struct RowMasks {
            var fromInput, addsLowercase, addsSpace, addsSlash, decodedRules: RuleBits
            var decodedBytes: ByteSet

            /// `plain`: whether some rule may take the input as plain (else the plain rows are not needed).
            @inline(__always)
            func rows(_ table: UnsafeBufferPointer<RuleBits.Half>, present: ByteSet, high: Bool, plain: Bool) -> HalfRows {
                @inline(__always) func part(_ bits: RuleBits) -> RuleBits.Half { high ? bits.high : bits.low }
                var rows = HalfRows()
                let fromInput = part(self.fromInput)
                // The input's own bytes are most of the work: four loops, each reading only the rows it needs.
                let allRules = fromInput == RuleBits.Half(repeating: ~0)
                switch (allRules, plain) {
                case (true, false): present.forEachByte { rows.add(table, Int($0), fromInput, masked: false, plain: false) }
                case (true, true): present.forEachByte { rows.add(table, Int($0), fromInput, masked: false, plain: true) }
                case (false, false): present.forEachByte { rows.add(table, Int($0), fromInput, masked: true, plain: false) }
                case (false, true): present.forEachByte { rows.add(table, Int($0), fromInput, masked: true, plain: true) }
                }
                let addsSpace = part(self.addsSpace), addsSlash = part(self.addsSlash), decodedRules = part(self.decodedRules)
                // The uppercase rows hold the lowercase ones for the rules that lowercase (`Selection.init`), but
                // a rule that reads a decoded base64 variant takes no rows from the input's own bytes above.
                let lowercasingDecoded = part(self.addsLowercase) & decodedRules
                if present.hasUppercase, lowercasingDecoded != RuleBits.Half() {
                    present.forEachByte { byte in
                        guard byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z"), !present.contains(byte | 0x20) else { return }
                        rows.add(table, Int(byte | 0x20), lowercasingDecoded)
                    }
                }
                if addsSpace != RuleBits.Half(), !present.contains(0x20) { rows.add(table, 0x20, addsSpace) }
                if addsSlash != RuleBits.Half(), !present.contains(UInt8(ascii: "/")) { rows.add(table, Int(UInt8(ascii: "/")), addsSlash) }
                if decodedRules != RuleBits.Half() { decodedBytes.forEachByte { rows.add(table, Int($0), decodedRules) } }
                return rows
            }
        }

        /// What `gate` decided for one input.
        struct Gate {
            /// Rules whose regex (or phrase list) runs: their byte conditions hold and an atom byte occurs.
            var candidates: RuleBits
            /// Rules that run only if the automaton finds one of their longer atoms (`waitingPlain`: plain atoms).
            var waiting: RuleBits
            var waitingPlain: RuleBits
        }

        /// The rules whose necessary conditions `input` meets, as `CRSRulePack`'s overview describes:
        /// the input's sources, a byte of each required set, an atom byte (or else a longer atom, for
        /// the automaton, when a variant has the rarest byte of one), with plain atoms for inputs without shell bytes. The bytes are those of
        /// each rule's variant of the input, estimated as `TransformSet.presentBytes` does without
        /// building it: transformations that can change the input add lowercase letters, a space or `/`.
        func gate(_ input: ScanInput, sources: RuleBits) -> Gate {
            let present = input.present
            let commandLine = changing(TransformSet.commandLine, input)
            let comments = changing(TransformSet.replaceComments, input)
            let addsLowercase = withTransform[TransformSet.lowercase.trailingZeroBitCount] | commandLine
            let addsSpace = commandLine | changing(TransformSet.compressWhitespace, input) | comments
            // `normalizePath` is dropped for a path that is already normal, unless an earlier transformation changes it first.
            let normalizing = changing(TransformSet.normalizePath, input)
            let addsSlash = input.transformTraits.pathIsNormal ? normalizing & (commandLine | comments) : normalizing
            // A base64 variant holds the bytes the input decodes to (with a space, `/` and lowercase
            // letters that later transformations may add), or any byte when canonical decoding could
            // change those; the input itself when it does not decode.
            // Only the rules the input's sources admit count, so most sources skip the decoding.
            var decoded = changing(TransformSet.base64Decode, input) & sources
            var decodedRules = RuleBits.empty
            var decodedBytes = ByteSet()
            if !decoded.isEmpty {
                switch TransformSet.base64DecodedBytes(of: input) {
                case .notBase64:
                    decoded = .empty
                case .exactly(let bytes):
                    decodedRules = decoded
                    decodedBytes = bytes.addingLowercase.adding(0x20).adding(UInt8(ascii: "/"))
                    decoded = .empty
                case .any:
                    break
                }
            }
            // A decoded base64 variant holds none of the input's own bytes but those it decodes to.
            let masks = RowMasks(fromInput: ~decodedRules, addsLowercase: addsLowercase, addsSpace: addsSpace, addsSlash: addsSlash,
                                 decodedRules: decodedRules, decodedBytes: decodedBytes)
            // Shell bytes are the same for every variant but those the transformations add (a space, `/`, any byte of base64).
            let hasShellBytes = present.intersects(shellBytes)
            let notPlain = hasShellBytes ? RuleBits.all : addsSpace | addsSlash | decoded | decodedRules
            // With shell bytes no rule takes the input as plain: `combine` reads no plain row.
            let low = lowTables.withUnsafeBufferPointer { masks.rows($0, present: present, high: false, plain: !hasShellBytes) }
            let lowGate = combine(low, sources: sources, decoded: decoded, notPlain: notPlain, high: false)
            // Every gate set is a subset of `active`: with no active rule from 128 on, the high half is empty.
            guard !isNarrow else {
                return Gate(candidates: RuleBits(low: lowGate.candidates, high: RuleBits.Half()),
                            waiting: RuleBits(low: lowGate.waiting, high: RuleBits.Half()),
                            waitingPlain: RuleBits(low: lowGate.waitingPlain, high: RuleBits.Half()))
            }
            let high = highTables.withUnsafeBufferPointer { masks.rows($0, present: present, high: true, plain: !hasShellBytes) }
            let highGate = combine(high, sources: sources, decoded: decoded, notPlain: notPlain, high: true)
            return Gate(candidates: RuleBits(low: lowGate.candidates, high: highGate.candidates),
                        waiting: RuleBits(low: lowGate.waiting, high: highGate.waiting),
                        waitingPlain: RuleBits(low: lowGate.waitingPlain, high: highGate.waitingPlain))
        }

        /// `gate`'s final combination of the rows for one half of the rules (two words, not four).
        @inline(__always)
        private func combine(_ rows: HalfRows, sources: RuleBits, decoded: RuleBits, notPlain: RuleBits, high: Bool)
            -> (candidates: RuleBits.Half, waiting: RuleBits.Half, waitingPlain: RuleBits.Half) {
            @inline(__always) func part(_ bits: RuleBits) -> RuleBits.Half { high ? bits.high : bits.low }
            let decoded = part(decoded)
            let required0 = rows.required0 | part(unconstrained.0) | decoded
            let required1 = rows.required1 | part(unconstrained.1) | decoded
            let required2 = rows.required2 | part(unconstrained.2) | decoded
            let required3 = rows.required3 | part(unconstrained.3) | decoded
            let atoms = rows.atoms | decoded & part(withAtomBytes)
            // A longer atom (or phrase) can occur only in a variant holding its rarest byte.
            let longAtoms = rows.longAtoms | decoded
            let admitted = part(active) & part(sources) & required0 & required1 & required2 & required3
            let plain = admitted & ~part(notPlain) & part(withPlainAtoms)
            let general = admitted & ~plain
            let direct = part(unfiltered) | atoms
            return (
                candidates: (plain & rows.plainAtoms) | (general & direct),
                waiting: general & ~direct & longAtoms,
                waitingPlain: plain & ~rows.plainAtoms & part(withPlainLongAtoms) & rows.plainLongAtoms
            )
        }
    }

    func select(categories: Set<AttackCategory>, paranoiaLevel: Int) -> Selection {
        Selection(rules: rules, categories: categories, paranoiaLevel: paranoiaLevel)
    }

    /// The active rules whose targets cover where `input` came from; a header value's depend on the
    /// header's name, found among the few names the rules spell out (`Selection.namedHeaders`).
    func sources(of input: ScanInput, selection: Selection) -> RuleBits {
        guard case .header(let name) = input.source else { return selection.bySource[CRSTargets.bit(for: input.source).trailingZeroBitCount] }
        for (index, named) in selection.namedHeaders.enumerated() where named == name { return selection.namedHeaderRules[index] }
        return selection.otherHeaderRules
    }
}
