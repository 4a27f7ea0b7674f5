/// A fixed pseudo-random sequence (SplitMix64) for tests that build many inputs, so that a failure
/// names a case that can be run again.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A number in `0..<bound`.
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

extension SeededRandom {
    /// `count` inputs, each one to eight of `pieces` joined, for tests that hold a shortcut to the
    /// pattern it stands for.
    static func joinedPieces(_ pieces: [String], count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let length = 1 + random.next(below: 8)
            return Array((0..<length).map { _ in pieces[random.next(below: pieces.count)] }.joined().utf8)
        }
    }
}
