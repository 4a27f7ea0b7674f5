/// Multi-pattern search (Aho–Corasick) over lowercased bytes: one pass over an input finds which of
/// thousands of needles occur, so detectors and CRS rules only look closer at inputs that can match.
///
/// The automaton is compiled to a DFA over byte classes (bytes that occur in no pattern share one
/// class), with 16-bit states: the whole CRS dictionary (about 26,000 states, 69 classes) fits in
/// 3.6 MB and each input byte costs one table load.
struct AhoCorasick: Sendable {
    /// 16-bit state numbers bound the dictionary size; the CRS pack needs well under half of it.
    static let maxStates = Int(UInt16.max)

    let patternLengths: [Int32]
    private let tables: Tables

    /// The automaton's arrays in unmanaged memory, so the scan loop reads them without reference
    /// counting or bounds checks.
    private final class Tables: @unchecked Sendable {
        let byteClass: UnsafeMutableBufferPointer<UInt16>
        let classCount: Int
        let transitions: UnsafeMutableBufferPointer<UInt16>
        let outputStart: UnsafeMutableBufferPointer<Int32>
        let outputs: UnsafeMutableBufferPointer<Int32>
        let lengths: UnsafeMutableBufferPointer<Int32>

        init(byteClass: [UInt16], classCount: Int, transitions: [UInt16], outputStart: [Int32], outputs: [Int32], lengths: [Int32]) {
            self.byteClass = Self.copy(byteClass)
            self.classCount = classCount
            self.transitions = Self.copy(transitions)
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
            byteClass.baseAddress?.deallocate()
            transitions.baseAddress?.deallocate()
            outputStart.baseAddress?.deallocate()
            outputs.baseAddress?.deallocate()
            lengths.baseAddress?.deallocate()
        }
    }

    var patternCount: Int { patternLengths.count }

    /// Patterns are matched as given; callers lowercase both patterns and text.
    init(_ patterns: [[UInt8]]) {
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

        // Breadth-first: each state's row is its own children over its failure state's row.
        var transitions = [UInt16](repeating: 0, count: stateCount * classCount)
        var fail = [Int](repeating: 0, count: stateCount)
        var outputsOf = own
        for (symbol, child) in children[0] { transitions[Int(symbol)] = UInt16(child) }
        var queue = children[0].map { Int($0.1) }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            let row = state * classCount, failRow = fail[state] * classCount
            for symbol in 0..<classCount { transitions[row + symbol] = transitions[failRow + symbol] }
            for (symbol, child) in children[state] {
                transitions[row + Int(symbol)] = UInt16(child)
                let childFail = state == 0 ? 0 : Int(transitions[failRow + Int(symbol)])
                fail[Int(child)] = childFail
                outputsOf[Int(child)].append(contentsOf: outputsOf[childFail])
                queue.append(Int(child))
            }
        }
        var outputStart = [Int32](repeating: 0, count: stateCount + 1)
        var outputs: [Int32] = []
        for state in 0..<stateCount {
            outputStart[state] = Int32(outputs.count)
            outputs.append(contentsOf: outputsOf[state])
        }
        outputStart[stateCount] = Int32(outputs.count)
        self.patternLengths = patterns.map { Int32($0.count) }
        self.tables = Tables(byteClass: byteClass, classCount: classCount, transitions: transitions,
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
        hits.clear()
        let tables = self.tables
        guard !tables.outputs.isEmpty else { return }
        let byteClass = tables.byteClass, transitions = tables.transitions, classCount = tables.classCount
        let outputStart = tables.outputStart, outputs = tables.outputs
        text.withUnsafeBufferPointer { bytes in
            var state = 0
            for index in 0..<bytes.count {
                state = Int(transitions[state &* classCount &+ Int(byteClass[Int(bytes[index])])])
                let first = Int(outputStart[state]), last = Int(outputStart[state &+ 1])
                if first != last { hits.record(UnsafeBufferPointer(rebasing: outputs[first..<last]), endingAt: index, lengths: tables.lengths) }
            }
        }
    }
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

    init(_ needles: [String]) {
        self.needles = needles.map { Array($0.utf8).lowercasedASCII() }
        self.automaton = AhoCorasick(self.needles)
    }

    func scan(_ lower: [UInt8]) -> NeedleHits { automaton.firstOccurrences(in: lower) }
}
