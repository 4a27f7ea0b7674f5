/// Multi-pattern search (Aho–Corasick) over lowercased bytes: one pass over an input finds which of
/// thousands of needles occur, so detectors and CRS rules only look closer at inputs that can match.
///
/// The automaton keeps children in flat sorted arrays with a dense table at the root, which keeps a
/// CRS-sized dictionary (tens of thousands of states) at a few hundred kilobytes.
struct AhoCorasick: Sendable {
    let patternLengths: [Int32]
    private let rootNext: [Int32]
    private let childStart: [Int32]
    private let childCount: [Int32]
    private let childBytes: [UInt8]
    private let childTargets: [Int32]
    private let fail: [Int32]
    private let outputStart: [Int32]
    private let outputs: [Int32]

    var patternCount: Int { patternLengths.count }

    /// Patterns are matched as given; callers lowercase both patterns and text.
    init(_ patterns: [[UInt8]]) {
        // Build the trie with per-state child lists.
        var children: [[(UInt8, Int32)]] = [[]]
        var own: [[Int32]] = [[]]
        for (id, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var state = 0
            for byte in pattern {
                if let next = children[state].first(where: { $0.0 == byte })?.1 {
                    state = Int(next)
                } else {
                    children.append([])
                    own.append([])
                    let next = Int32(children.count - 1)
                    children[state].append((byte, next))
                    state = Int(next)
                }
            }
            own[state].append(Int32(id))
        }
        let stateCount = children.count
        var rootNext = [Int32](repeating: 0, count: 256)
        for (byte, target) in children[0] { rootNext[Int(byte)] = target }

        // Breadth-first: failure links and output sets (own outputs plus the failure state's).
        var fail = [Int32](repeating: 0, count: stateCount)
        var outputsOf: [[Int32]] = own
        var queue: [Int] = children[0].map { Int($0.1) }
        var head = 0
        func step(_ state: Int, _ byte: UInt8) -> Int32 {
            var current = state
            while true {
                if current == 0 { return rootNext[Int(byte)] }
                if let next = children[current].first(where: { $0.0 == byte })?.1 { return next }
                current = Int(fail[current])
            }
        }
        while head < queue.count {
            let state = queue[head]
            head += 1
            for (byte, child) in children[state] {
                let failure = state == 0 ? 0 : step(Int(fail[state]), byte)
                fail[Int(child)] = failure == child ? 0 : failure
                outputsOf[Int(child)].append(contentsOf: outputsOf[Int(fail[Int(child)])])
                queue.append(Int(child))
            }
        }

        var childStart = [Int32](repeating: 0, count: stateCount)
        var childCount = [Int32](repeating: 0, count: stateCount)
        var childBytes: [UInt8] = []
        var childTargets: [Int32] = []
        var outputStart = [Int32](repeating: 0, count: stateCount + 1)
        var outputs: [Int32] = []
        for state in 0..<stateCount {
            let sorted = children[state].sorted { $0.0 < $1.0 }
            childStart[state] = Int32(childBytes.count)
            childCount[state] = Int32(sorted.count)
            childBytes.append(contentsOf: sorted.map(\.0))
            childTargets.append(contentsOf: sorted.map(\.1))
            outputStart[state] = Int32(outputs.count)
            outputs.append(contentsOf: outputsOf[state])
        }
        outputStart[stateCount] = Int32(outputs.count)
        self.patternLengths = patterns.map { Int32($0.count) }
        self.rootNext = rootNext
        self.childStart = childStart
        self.childCount = childCount
        self.childBytes = childBytes
        self.childTargets = childTargets
        self.fail = fail
        self.outputStart = outputStart
        self.outputs = outputs
    }

    /// The first occurrence (start offset) of each pattern that occurs in `text`.
    func firstOccurrences(in text: [UInt8]) -> NeedleHits {
        var hits = NeedleHits()
        guard !outputs.isEmpty else { return hits }
        text.withUnsafeBufferPointer { bytes in
            var state: Int32 = 0
            for index in 0..<bytes.count {
                state = next(state, bytes[index])
                let start = Int(outputStart[Int(state)]), end = Int(outputStart[Int(state) + 1])
                if start != end { hits.record(outputs[start..<end], endingAt: index, lengths: patternLengths) }
            }
        }
        return hits
    }

    @inline(__always)
    private func next(_ state: Int32, _ byte: UInt8) -> Int32 {
        var current = state
        while current != 0 {
            let start = Int(childStart[Int(current)])
            let count = Int(childCount[Int(current)])
            var index = start
            while index < start + count {
                if childBytes[index] == byte { return childTargets[index] }
                if childBytes[index] > byte { break }
                index += 1
            }
            current = fail[Int(current)]
        }
        return rootNext[Int(byte)]
    }
}

/// Which patterns occurred and where each first started; small and usually empty for honest input.
struct NeedleHits {
    private(set) var ids: [Int32] = []
    private(set) var starts: [Int32] = []
    /// One bit per pattern, allocated at the first hit, so repeats cost O(1) even on hostile input.
    private var seen: [UInt64] = []

    var isEmpty: Bool { ids.isEmpty }

    mutating func record(_ found: ArraySlice<Int32>, endingAt index: Int, lengths: [Int32]) {
        if seen.isEmpty { seen = [UInt64](repeating: 0, count: (lengths.count + 63) / 64) }
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
