/// Multi-pattern search (Aho–Corasick) over lowercased bytes: one pass over an input finds which of
/// thousands of needles occur, so detectors and CRS rules only look closer at inputs that can match.
///
/// Bytes that occur in no pattern share one class. States are numbered breadth-first; the shallow
/// ones, where a scan spends nearly all its steps, get full DFA rows, the deep ones only their trie
/// children and a failure link. A step yields a `Code`, not a state number: for a shallow state the
/// byte offset of its row, so the next step is one load at that offset from the class's column (no
/// multiply, shift or mask on the chain of dependent loads a scan is); for a deep state its number with `Code.deep`. The CRS dictionary (about
/// 26,000 states, 69 classes) takes under 1 MB this way (a test checks).
struct AhoCorasick: Sendable {
    /// 16-bit state numbers bound the dictionary size; the CRS pack needs well under half of it.
    static let maxStates = Int(UInt16.max)
    /// Table entries (32-bit) given to full rows: 512 KB. Failure steps stay amortised O(1) per byte.
    static let denseEntryBudget = 1 << 17

    let patternLengths: [Int32]
    private let tables: Tables

    /// What a step leads to: a shallow state's row offset in `dense`, in bytes, or a deep state's number
    /// with `deep`; `output` when the state has outputs, so the scan looks them up only on a hit (and
    /// clears it then, for the next step's load).
    enum Code {
        static let output: UInt32 = 1 << 31
        static let deep: UInt32 = 1 << 30
        /// The offset (shallow) or the state number (deep).
        static let value: UInt32 = deep - 1
    }

    /// The automaton's arrays in unmanaged memory, so the scan loop reads them without reference
    /// counting or bounds checks.
    private final class Tables: @unchecked Sendable {
        let byteClass: UnsafeMutableBufferPointer<UInt16>
        let classCount: Int
        /// States below this number have a full row in `dense`, of codes.
        let denseCount: Int
        let dense: UnsafeMutableBufferPointer<UInt32>
        /// Deep states: failure link, and trie children as (class, code) pairs from `childStart`.
        let fail: UnsafeMutableBufferPointer<UInt16>
        let childStart: UnsafeMutableBufferPointer<Int32>
        let childClass: UnsafeMutableBufferPointer<UInt16>
        let childCode: UnsafeMutableBufferPointer<UInt32>
        let outputStart: UnsafeMutableBufferPointer<Int32>
        let outputs: UnsafeMutableBufferPointer<Int32>
        let lengths: UnsafeMutableBufferPointer<Int32>

        init(byteClass: [UInt16], classCount: Int, denseCount: Int, dense: [UInt32], fail: [UInt16], childStart: [Int32],
             childClass: [UInt16], childCode: [UInt32], outputStart: [Int32], outputs: [Int32], lengths: [Int32]) {
            self.byteClass = Self.copy(byteClass)
            self.classCount = classCount
            self.denseCount = denseCount
            self.dense = Self.copy(dense)
            self.fail = Self.copy(fail)
            self.childStart = Self.copy(childStart)
            self.childClass = Self.copy(childClass)
            self.childCode = Self.copy(childCode)
            self.outputStart = Self.copy(outputStart)
            self.outputs = Self.copy(outputs)
            self.lengths = Self.copy(lengths)
        }

        static func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
            _ = buffer.initialize(from: array)
            return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
        }

        deinit {
            for base in [byteClass.baseAddress, fail.baseAddress, childClass.baseAddress] { base?.deallocate() }
            for base in [dense.baseAddress, childCode.baseAddress] { base?.deallocate() }
            for base in [childStart.baseAddress, outputStart.baseAddress, outputs.baseAddress, lengths.baseAddress] { base?.deallocate() }
        }

        var byteCount: Int {
            (byteClass.count + fail.count + childClass.count) * 2
                + (dense.count + childCode.count + childStart.count + outputStart.count + outputs.count + lengths.count) * 4
        }

        /// The code after `symbol` in deep state `state`: its children, else the same question to
        /// the failure state (always shallower), down to a shallow state's row.
        @inline(never)
        func deepStep(_ state: Int, _ symbol: Int) -> UInt32 {
            var state = state
            while state >= denseCount {
                var index = Int(childStart[state])
                let end = Int(childStart[state &+ 1])
                while index < end {
                    if Int(childClass[index]) == symbol { return childCode[index] }
                    index &+= 1
                }
                state = Int(fail[state])
            }
            return dense[state &* classCount &+ symbol]
        }

        /// The code after `byte` from `code`.
        @inline(__always)
        func step(_ code: UInt32, _ byte: UInt8) -> UInt32 {
            let symbol = Int(byteClass[Int(byte)])
            guard code & Code.deep == 0 else { return deepStep(Int(code & Code.value), symbol) }
            // The class's column is found while the load before is under way; `code` (its output flag
            // cleared by `record`) is then the offset of the one load this step waits on.
            return UnsafeRawPointer(dense.baseAddress.unsafelyUnwrapped + symbol).load(fromByteOffset: Int(code), as: UInt32.self)
        }

        /// Records the outputs of the state of `code` (which has `Code.output`), ending at `index`;
        /// returns `code` without the flag, for the next step.
        @inline(__always)
        func record(_ code: UInt32, endingAt index: Int, into hits: inout NeedleHits) -> UInt32 {
            let state = state(of: code)
            let first = Int(outputStart[state]), last = Int(outputStart[state &+ 1])
            hits.record(UnsafeBufferPointer(rebasing: outputs[first..<last]), endingAt: index, lengths: lengths)
            return code & ~Code.output
        }

        /// The state number of a code.
        @inline(__always)
        func state(of code: UInt32) -> Int {
            let value = Int(code & Code.value)
            return code & Code.deep != 0 ? value : value / (classCount &* 4)
        }
    }

    var patternCount: Int { patternLengths.count }

    /// Memory the tables take (the CRS pack's automaton is the largest structure of the agent).
    var tableBytes: Int { tables.byteCount }

    /// Patterns are matched as given; callers lowercase both patterns and text. `denseEntries` bounds
    /// the full rows (tests shrink it to check the deep states' path).
    init(_ patterns: [[UInt8]], denseEntries: Int = denseEntryBudget) {
        var byteClass = [UInt16](repeating: 0, count: 256)
        var classCount = 1
        for pattern in patterns {
            for byte in pattern where byteClass[Int(byte)] == 0 {
                byteClass[Int(byte)] = UInt16(classCount)
                classCount += 1
            }
        }
        // The trie, as per-state child lists over classes.
        var children: [[(UInt16, Int32)]] = [[]]
        var own: [[Int32]] = [[]]
        for (id, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var state = 0
            for byte in pattern {
                let symbol = byteClass[Int(byte)]
                if let next = children[state].first(where: { $0.0 == symbol })?.1 {
                    state = Int(next)
                } else {
                    children.append([])
                    own.append([])
                    let next = Int32(children.count - 1)
                    children[state].append((symbol, next))
                    state = Int(next)
                }
            }
            own[state].append(Int32(id))
        }
        let stateCount = children.count
        precondition(stateCount <= Self.maxStates, "dictionary needs \(stateCount) states, more than \(Self.maxStates)")

        // Breadth-first numbering: a failure state is always shallower, so it is numbered lower.
        var order = [0]
        var head = 0
        while head < order.count {
            order.append(contentsOf: children[order[head]].map { Int($0.1) })
            head += 1
        }
        var number = [Int](repeating: 0, count: stateCount)
        for (new, old) in order.enumerated() { number[old] = new }
        let trie = order.map { old in children[old].map { (symbol: $0.0, state: number[Int($0.1)]) }.sorted { $0.symbol < $1.symbol } }
        var outputsOf = order.map { own[$0] }
        let denseCount = min(stateCount, max(1, denseEntries / classCount))

        // In breadth-first order: a child's failure state is where its parent's failure state goes on
        // the same symbol, and a shallow state's row is its children over its failure state's row.
        // Both only read rows and links of states numbered lower, which are done by then. Rows hold
        // state numbers here and codes once every state's outputs are known.
        var dense = [UInt32](repeating: 0, count: denseCount * classCount)
        var fail = [UInt16](repeating: 0, count: stateCount)
        func step(_ state: Int, _ symbol: Int) -> Int {
            var state = state
            while state >= denseCount {
                if let child = trie[state].first(where: { Int($0.symbol) == symbol }) { return child.state }
                state = Int(fail[state])
            }
            return Int(dense[state * classCount + symbol])
        }
        for state in 0..<stateCount {
            let failState = Int(fail[state])
            if state < denseCount {
                let row = state * classCount, failRow = failState * classCount
                if state > 0 { for symbol in 0..<classCount { dense[row + symbol] = dense[failRow + symbol] } }
                for child in trie[state] { dense[row + Int(child.symbol)] = UInt32(child.state) }
            }
            for child in trie[state] {
                let childFail = state == 0 ? 0 : step(failState, Int(child.symbol))
                fail[child.state] = UInt16(childFail)
                outputsOf[child.state].append(contentsOf: outputsOf[childFail])
            }
        }

        func code(_ state: Int) -> UInt32 {
            let value = state < denseCount ? UInt32(state * classCount * 4) : Code.deep | UInt32(state)
            return value | (outputsOf[state].isEmpty ? 0 : Code.output)
        }
        for index in dense.indices { dense[index] = code(Int(dense[index])) }
        var childStart = [Int32](repeating: 0, count: stateCount + 1)
        var childClass: [UInt16] = []
        var childCode: [UInt32] = []
        for state in 0..<stateCount {
            childStart[state] = Int32(childClass.count)
            guard state >= denseCount else { continue }
            for child in trie[state] {
                childClass.append(child.symbol)
                childCode.append(code(child.state))
            }
        }
        childStart[stateCount] = Int32(childClass.count)
        var outputStart = [Int32](repeating: 0, count: stateCount + 1)
        var outputs: [Int32] = []
        for state in 0..<stateCount {
            outputStart[state] = Int32(outputs.count)
            outputs.append(contentsOf: outputsOf[state])
        }
        outputStart[stateCount] = Int32(outputs.count)
        self.patternLengths = patterns.map { Int32($0.count) }
        self.tables = Tables(byteClass: byteClass, classCount: classCount, denseCount: denseCount, dense: dense, fail: fail,
                             childStart: childStart, childClass: childClass, childCode: childCode,
                             outputStart: outputStart, outputs: outputs, lengths: patternLengths)
    }

    /// The first occurrence (start offset) of each pattern that occurs in `text`.
    func firstOccurrences(in text: [UInt8]) -> NeedleHits {
        var hits = NeedleHits(patternCount: patternCount)
        firstOccurrences(in: text, into: &hits)
        return hits
    }

    /// As above, into a reused `hits` (cleared first), so a scan allocates nothing once warm.
    func firstOccurrences(in text: [UInt8], into hits: inout NeedleHits) {
        text.withUnsafeBufferPointer { firstOccurrences(in: $0, into: &hits) }
    }

    /// As above, for bytes the caller holds (a scratch buffer, read without retaining it).
    func firstOccurrences(in bytes: UnsafeBufferPointer<UInt8>, into hits: inout NeedleHits) {
        hits.clear()
        let tables = self.tables
        guard !tables.outputs.isEmpty else { return }
        // The root is shallow, at offset 0, without outputs.
        var code: UInt32 = 0
        for index in 0..<bytes.count {
            code = tables.step(code, bytes[index])
            guard code >= Code.output else { continue }
            code = tables.record(code, endingAt: index, into: &hits)
        }
    }

    /// `firstOccurrences(in:into:)` of two texts in one loop: each step waits on the load of the
    /// one before it, and two independent chains of steps let the processor overlap their loads.
    func firstOccurrences(in text: [UInt8], into hits: inout NeedleHits, and other: [UInt8], into otherHits: inout NeedleHits) {
        hits.clear()
        otherHits.clear()
        let tables = self.tables
        guard !tables.outputs.isEmpty else { return }
        text.withUnsafeBufferPointer { bytes in
            other.withUnsafeBufferPointer { otherBytes in
                var code: UInt32 = 0, otherCode: UInt32 = 0
                let common = min(bytes.count, otherBytes.count)
                for index in 0..<common {
                    code = tables.step(code, bytes[index])
                    otherCode = tables.step(otherCode, otherBytes[index])
                    if code >= Code.output { code = tables.record(code, endingAt: index, into: &hits) }
                    if otherCode >= Code.output { otherCode = tables.record(otherCode, endingAt: index, into: &otherHits) }
                }
                for index in common..<bytes.count {
                    code = tables.step(code, bytes[index])
                    if code >= Code.output { code = tables.record(code, endingAt: index, into: &hits) }
                }
                for index in common..<otherBytes.count {
                    otherCode = tables.step(otherCode, otherBytes[index])
                    if otherCode >= Code.output { otherCode = tables.record(otherCode, endingAt: index, into: &otherHits) }
                }
            }
        }
    }

    /// `firstOccurrences(in:into:)` of a text made as it is read (a transformed variant), so it is never stored.
    func firstOccurrences<Text: AutomatonStream>(streaming text: inout Text, into hits: inout NeedleHits) {
        hits.clear()
        let tables = self.tables
        guard !tables.outputs.isEmpty else { return }
        var code: UInt32 = 0
        var index = 0
        while let byte = text.next() {
            code = tables.step(code, byte)
            if code >= Code.output { code = tables.record(code, endingAt: index, into: &hits) }
            index &+= 1
        }
    }

    /// The two-text pass (`firstOccurrences(in:into:and:into:)`) of texts made as they are read.
    func firstOccurrences<Text: AutomatonStream, Other: AutomatonStream>(streaming text: inout Text, into hits: inout NeedleHits,
                                                                         and other: inout Other, into otherHits: inout NeedleHits) {
        hits.clear()
        otherHits.clear()
        let tables = self.tables
        guard !tables.outputs.isEmpty else { return }
        var code: UInt32 = 0, otherCode: UInt32 = 0
        var index = 0
        var next = text.next(), otherNext = other.next()
        while let byte = next, let otherByte = otherNext {
            code = tables.step(code, byte)
            otherCode = tables.step(otherCode, otherByte)
            if code >= Code.output { code = tables.record(code, endingAt: index, into: &hits) }
            if otherCode >= Code.output { otherCode = tables.record(otherCode, endingAt: index, into: &otherHits) }
            index &+= 1
            next = text.next()
            otherNext = other.next()
        }
        var rest = index
        while let byte = next {
            code = tables.step(code, byte)
            if code >= Code.output { code = tables.record(code, endingAt: rest, into: &hits) }
            rest &+= 1
            next = text.next()
        }
        while let byte = otherNext {
            otherCode = tables.step(otherCode, byte)
            if otherCode >= Code.output { otherCode = tables.record(otherCode, endingAt: index, into: &otherHits) }
            index &+= 1
            otherNext = other.next()
        }
    }
}

/// A text the automaton reads one byte at a time, made as it is read (`TransformSet.Stream`).
protocol AutomatonStream {
    /// The next byte, nil at the end.
    mutating func next() -> UInt8?
}

/// Which patterns occurred and where each first started; small and usually empty for honest input.
struct NeedleHits {
    private(set) var ids: [Int32] = []
    private(set) var starts: [Int32] = []
    /// One bit per pattern, allocated at the first hit (and kept when the hits are reused), so repeats
    /// cost O(1) even on hostile input.
    private var seen: [UInt64] = []
    private let wordCount: Int

    init(patternCount: Int) {
        wordCount = (patternCount + 63) / 64
    }

    var isEmpty: Bool { ids.isEmpty }

    /// Forgets the hits, touching only the words they set.
    mutating func clear() {
        guard !ids.isEmpty else { return }
        for id in ids { seen[Int(id) >> 6] = 0 }
        ids.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
    }

    mutating func record(_ found: UnsafeBufferPointer<Int32>, endingAt index: Int, lengths: UnsafeMutableBufferPointer<Int32>) {
        if seen.isEmpty { seen = [UInt64](repeating: 0, count: wordCount) }
        for id in found {
            let word = Int(id) >> 6, bit = UInt64(1) << UInt64(id & 63)
            guard seen[word] & bit == 0 else { continue }
            seen[word] |= bit
            ids.append(id)
            starts.append(Int32(index + 1) - lengths[Int(id)])
        }
    }

    func start(of id: Int) -> Int? {
        guard let position = ids.firstIndex(of: Int32(id)) else { return nil }
        return Int(starts[position])
    }

    func contains(_ id: Int) -> Bool {
        !seen.isEmpty && seen[id >> 6] & (UInt64(1) << UInt64(id & 63)) != 0
    }
}

/// A detector's needles with names, matched in one pass over the lowercased input.
struct NeedleSet: Sendable {
    let needles: [[UInt8]]
    let automaton: AhoCorasick
    /// The rarest byte of each needle: an input with none of them holds no needle, and one test of
    /// the input's byte set says so without running the automaton.
    let gate: ByteSet

    init(_ needles: [String]) {
        self.needles = needles.map { Array($0.utf8).lowercasedASCII() }
        self.automaton = AhoCorasick(self.needles)
        var gate = ByteSet()
        for needle in self.needles {
            if let rarest = needle.min(by: { Self.commonness($0) < Self.commonness($1) }) { gate = gate.adding(rarest) }
        }
        self.gate = gate
    }

    func scan(_ lower: [UInt8]) -> NeedleHits { automaton.firstOccurrences(in: lower) }

    /// The hits in `input.lower`, skipping the automaton when the input has no needle's rarest byte.
    func scan(_ input: ScanInput) -> NeedleHits {
        // `lower` holds only bytes of `present` and the lowercase forms of its capitals.
        guard input.present.addingLowercase.intersects(gate) else { return NeedleHits(patternCount: needles.count) }
        return scan(input.lower)
    }

    /// How often a byte turns up in honest text, roughly: punctuation rarest, then letters by their
    /// English frequency, digits, and the space most common.
    static func commonness(_ byte: UInt8) -> Int {
        let letters = Array("zqxjkvbpygfwmucldrhsnioate".utf8)
        if let rank = letters.firstIndex(of: byte) { return 1 + rank }
        if byte >= 0x30 && byte <= 0x39 { return 30 }
        return ByteScan.isSpace(byte) ? 40 : 0
    }
}
