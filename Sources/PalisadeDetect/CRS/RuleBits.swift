/// A set of the CRS pack's rules, one bit per rule index: the rule selection of one input is a
/// handful of AND and OR operations on these instead of a loop over the rules.
struct RuleBits: Sendable {
    /// Rules a pack may hold (the whole pack has under 200).
    static let capacity = 256

    private var words: (UInt64, UInt64, UInt64, UInt64)

    static let empty = RuleBits(words: (0, 0, 0, 0))
    static let all = RuleBits(words: (~0, ~0, ~0, ~0))

    private init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    init(_ indices: some Sequence<Int>) {
        self = .empty
        for index in indices { insert(index) }
    }

    /// The rules with indices below 128 (`low`) or from 128 on (`high`), in one vector register each:
    /// the gate's tables hold rows this way (`CRSRulePack.Selection.HalfRows`).
    typealias Half = SIMD2<UInt64>

    @inline(__always)
    init(low: Half, high: Half) {
        words = (low[0], low[1], high[0], high[1])
    }

    var low: Half {
        @inline(__always) get { Half(words.0, words.1) }
    }

    var high: Half {
        @inline(__always) get { Half(words.2, words.3) }
    }

    var isEmpty: Bool { words.0 | words.1 | words.2 | words.3 == 0 }

    mutating func insert(_ index: Int) {
        precondition(index >= 0 && index < Self.capacity, "rule index \(index) out of range")
        let bit = UInt64(1) << UInt64(index & 63)
        switch index >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func remove(_ index: Int) {
        let bit = ~(UInt64(1) << UInt64(index & 63))
        switch index >> 6 {
        case 0: words.0 &= bit
        case 1: words.1 &= bit
        case 2: words.2 &= bit
        default: words.3 &= bit
        }
    }

    @inline(__always)
    func contains(_ index: Int) -> Bool {
        let bit = UInt64(1) << UInt64(index & 63)
        switch index >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    @inline(__always)
    static func | (left: RuleBits, right: RuleBits) -> RuleBits {
        RuleBits(words: (left.words.0 | right.words.0, left.words.1 | right.words.1, left.words.2 | right.words.2, left.words.3 | right.words.3))
    }

    @inline(__always)
    static func & (left: RuleBits, right: RuleBits) -> RuleBits {
        RuleBits(words: (left.words.0 & right.words.0, left.words.1 & right.words.1, left.words.2 & right.words.2, left.words.3 & right.words.3))
    }

    @inline(__always)
    static prefix func ~ (bits: RuleBits) -> RuleBits {
        RuleBits(words: (~bits.words.0, ~bits.words.1, ~bits.words.2, ~bits.words.3))
    }

    @inline(__always)
    static func |= (left: inout RuleBits, right: RuleBits) { left = left | right }

    @inline(__always)
    static func &= (left: inout RuleBits, right: RuleBits) { left = left & right }

    /// Calls `body` with each rule index of the set, in ascending order.
    @inline(__always)
    func forEach(_ body: (Int) -> Void) {
        @inline(__always) func visit(_ word: UInt64, from base: Int) {
            var rest = word
            while rest != 0 {
                body(base &+ rest.trailingZeroBitCount)
                rest &= rest &- 1
            }
        }
        visit(words.0, from: 0)
        visit(words.1, from: 64)
        visit(words.2, from: 128)
        visit(words.3, from: 192)
    }
}
