/// An input decoded the way a permissive back end would read it, with what detectors need precomputed.
struct ScanInput {
    /// The value after URL, HTML-entity and backslash decoding to a fixed point, nulls dropped and
    /// over-long or full-width forms folded.
    /// Variables only for `refill`, which reuses the arrays of an earlier event's input.
    private(set) var bytes: [UInt8]
    /// `bytes` with ASCII letters lowercased (same length and offsets).
    private(set) var lower: [UInt8]
    private(set) var present: ByteSet
    private(set) var transformTraits: TransformSet.InputTraits
    private(set) var isKey: Bool
    private(set) var source: InputSource
    /// The object key that holds this input, for rules about key chains (`constructor.prototype`).
    private(set) var parentKey: [UInt8]?

    /// Written out rather than delegating to the initialiser below: a delegated value is built aside
    /// and copied in, which costs every input a round of reference counting. Every field is worked
    /// out first and stored last, for the same reason.
    /// `rawPresent` is the byte set of `raw`, which the engine works out before it copies the bytes
    /// out of the document; most inputs have nothing to decode and keep `raw` and it as they are.
    init(_ raw: consuming [UInt8], present rawPresent: ByteSet, walked input: consuming WalkedInput, paths: borrowing PathTree) {
        var value = raw
        var set = rawPresent
        if set.intersects(Canonicalizer.decodable) { (value, set) = Canonicalizer.canonical(value, present: set) }
        // Most inputs have no capital letter: they share one buffer instead of a lowercased copy.
        let lowered = set.hasUppercase ? value.lowercasedASCII() : value
        let traits = TransformSet.InputTraits(value, present: set)
        let parent = Self.parentKey(of: input, count: value.count, paths: paths)
        bytes = value
        present = set
        lower = lowered
        transformTraits = traits
        isKey = input.isKey
        source = input.source
        parentKey = parent
    }

    /// Makes this input, kept from an earlier event, the input of `raw` (with byte set `rawPresent`),
    /// copied into the arrays it already has.
    mutating func refill(_ raw: UnsafeBufferPointer<UInt8>, present rawPresent: ByteSet, walked input: borrowing WalkedInput, paths: borrowing PathTree) {
        if rawPresent.intersects(Canonicalizer.decodable) { return refill(Array(raw), present: rawPresent, walked: input, paths: paths) }
        // An input made by `init` may share one array for both: copied into, it would be copied first.
        if lower.withUnsafeBufferPointer({ $0.baseAddress }) == bytes.withUnsafeBufferPointer({ $0.baseAddress }) { lower = [] }
        ByteArrays.copy(raw, into: &bytes)
        finishRefill(present: rawPresent, walked: input, paths: paths)
    }

    /// `refill` with an array of its own, which becomes `bytes` (decoded as need be) without a copy.
    mutating func refill(_ raw: consuming [UInt8], present rawPresent: ByteSet, walked input: borrowing WalkedInput, paths: borrowing PathTree) {
        var value = raw
        var set = rawPresent
        if set.intersects(Canonicalizer.decodable) { (value, set) = Canonicalizer.canonical(value, present: set) }
        bytes = value
        finishRefill(present: set, walked: input, paths: paths)
    }

    /// The fields that follow from `bytes` and its byte set `set`; `lower` is copied into its own
    /// array, kept for the next event too.
    private mutating func finishRefill(present set: ByteSet, walked input: borrowing WalkedInput, paths: borrowing PathTree) {
        bytes.withUnsafeBufferPointer { ByteArrays.copy($0, into: &lower) }
        if set.hasUppercase { lower.withUnsafeMutableBufferPointer(ASCII.lowercase) }
        present = set
        transformTraits = TransformSet.InputTraits(bytes, present: set)
        isKey = input.isKey
        source = input.source
        parentKey = Self.parentKey(of: input, count: bytes.count, paths: paths)
    }

    /// Only a key spelling `prototype` asks for its parent: other inputs skip the walk up the path.
    private static func parentKey(of input: borrowing WalkedInput, count: Int, paths: borrowing PathTree) -> [UInt8]? {
        input.isKey && count == PrototypePollutionDetector.prototypeLength ? paths.parentKey(of: input.path, isKey: true) : nil
    }

    /// Frees the arrays of a long input rather than keep them for the next event.
    mutating func dropArrays() {
        bytes = []
        lower = []
        parentKey = nil
        source = .argument
    }

    init(_ raw: [UInt8], isKey: Bool = false, source: InputSource = .argument, parentKey: [UInt8]? = nil) {
        let decoded = Canonicalizer.canonicalWithByteSet(raw)
        bytes = decoded.value
        present = decoded.present
        lower = decoded.present.hasUppercase ? decoded.value.lowercasedASCII() : decoded.value
        transformTraits = TransformSet.InputTraits(decoded.value, present: decoded.present)
        self.isKey = isKey
        self.source = source
        self.parentKey = parentKey
    }

    /// Whether this is a whole query string, asked without copying `source` (a header's carries its name).
    var isQueryString: Bool {
        if case .queryString = source { return true }
        return false
    }

    func evidence(_ range: Range<Int>) -> String {
        let clamped = range.clamped(to: 0..<bytes.count)
        let slice = bytes[clamped.lowerBound..<min(clamped.upperBound, clamped.lowerBound + Finding.maxEvidence)]
        return String(decoding: slice, as: UTF8.self)
    }
}

enum ByteArrays {
    /// Inputs longer than this get arrays of their own, freed at the end of the event: kept, they
    /// would hold memory, and the copies into them cost more than allocating does.
    static let maxKeptCount = 1 << 10

    /// Replaces the bytes of `array` with `source`, in its storage when that is large enough.
    /// One call, where emptying and appending were two (each checking that the storage is unique).
    static func copy(_ source: UnsafeBufferPointer<UInt8>, into array: inout [UInt8]) {
        array.replaceSubrange(0..<array.count, with: source)
    }
}

/// Decodes to a fixed point (at most three rounds) so double encoding gains an attacker nothing.
enum Canonicalizer {
    /// Bytes that start something a decoder changes (`%`, `&`, `\\`, NUL and `overlongLeads`); an
    /// input without them is already canonical. Spelled as words, which the compiler folds, rather
    /// than a lazy global, which costs every input a `swift_once` (`EventSidePathTests` checks them).
    static var decodable: ByteSet { ByteSet(words: (escapeWords.0, escapeWords.1, 0, overlongLeadWord)) }
    /// NUL, `%`, `&` and backslash: the bytes of `decodable` that a decoder changes whatever follows them.
    static var escapeBytes: ByteSet { ByteSet(words: (escapeWords.0, escapeWords.1, 0, 0)) }
    private static var escapeWords: (UInt64, UInt64) { (0x0000_0060_0000_0001, 0x1000_0000) }
    /// Leads of the over-long (`C0`, `C1`, `E0`) and full-width (`EF`) forms `normalizeBytes` folds;
    /// other UTF-8 passes through it unchanged (`CRSRuleSelectionTests` checks both claims).
    static var overlongLeads: ByteSet { ByteSet(words: (0, 0, 0, overlongLeadWord)) }
    private static var overlongLeadWord: UInt64 { 0x0000_8001_0000_0003 }

    /// Whether `normalizeBytes` may fold a form starting with `lead` then `next`: an over-long or
    /// full-width form needs a continuation byte after its lead, and a lead alone stays as it is.
    @inline(__always)
    static func mayFold(_ lead: UInt8, before next: UInt8) -> Bool {
        overlongLeads.contains(lead) && next & 0xC0 == 0x80
    }

    /// Whether `canonical` may change `bytes` (of byte set `present`): an escape byte, or a lead
    /// `normalizeBytes` may fold. Random bytes (decoded base64) often hold a lead with no continuation
    /// byte after it (`shipping` ends in `E0`), which stays as it is.
    static func mayChange(_ bytes: [UInt8], present: ByteSet) -> Bool {
        guard present.intersects(decodable) else { return false }
        guard !present.intersects(escapeBytes) else { return true }
        return bytes.indices.dropLast().contains { mayFold(bytes[$0], before: bytes[$0 + 1]) }
    }

    static func canonical(_ raw: [UInt8]) -> [UInt8] {
        canonicalWithByteSet(raw).value
    }

    /// The canonical value with its byte set, which the decoding loop computes anyway: most inputs
    /// are already canonical and cost one pass over their bytes.
    static func canonicalWithByteSet(_ raw: [UInt8]) -> (value: [UInt8], present: ByteSet) {
        canonical(raw, present: ByteSet(raw))
    }

    /// The canonical value and its byte set, given that of `raw`.
    static func canonical(_ raw: [UInt8], present rawPresent: ByteSet) -> (value: [UInt8], present: ByteSet) {
        var value = raw
        var present = rawPresent
        for _ in 0..<3 {
            guard present.intersects(decodable) else { break }
            var next = value
            var set = present
            // A step that changes nothing (UTF-8 text, "Tom & Jerry", "50% off") keeps the byte set.
            func apply(_ step: ([UInt8]) -> [UInt8]) {
                let decoded = step(next)
                if decoded != next {
                    next = decoded
                    set = ByteSet(next)
                }
            }
            if set.contains(UInt8(ascii: "%")) { apply { Decoding.percentDecode($0, plusIsSpace: false) } }
            if set.contains(UInt8(ascii: "&")) { apply(Decoding.htmlEntityDecode) }
            if set.contains(UInt8(ascii: "\\")) { apply(Decoding.backslashDecode) }
            if set.contains(0) || set.intersects(overlongLeads) { apply(Decoding.normalizeBytes) }
            if next == value { break }
            value = next
            present = set
        }
        return (value, present)
    }
}

/// Which byte values occur in an input: one pass, then every detector's gate is a few AND operations.
struct ByteSet {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBufferPointer(ByteSet.init)
    }

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard buffer.count < Self.flagTableThreshold else {
            self = Self.flagged(buffer)
            return
        }
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        // ASCII picks its word by a mask rather than a branch (letters and punctuation alternate in
        // text, which a branch mispredicts); the rare bytes above it take a branch.
        for byte in buffer {
            let bit = UInt64(1) << UInt64(byte & 63)
            if byte < 0x80 {
                let upper = 0 &- UInt64(byte >> 6)
                w1 |= bit & upper
                w0 |= bit & ~upper
            } else if byte < 0xC0 {
                w2 |= bit
            } else {
                w3 |= bit
            }
        }
        words = (w0, w1, w2, w3)
    }

    /// From this many bytes on, one store per byte into a table of 256 flags, folded into the words
    /// once, beats picking a word per byte (faster from about 100 bytes on).
    static let flagTableThreshold = 96

    private static func flagged(_ buffer: UnsafeBufferPointer<UInt8>) -> ByteSet {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { flags in
            flags.initialize(repeating: 0)
            for byte in buffer { flags[Int(byte)] = 1 }
            var set = ByteSet()
            for bit in 0..<64 {
                set.words.0 |= UInt64(flags[bit]) << UInt64(bit)
                set.words.1 |= UInt64(flags[64 + bit]) << UInt64(bit)
                set.words.2 |= UInt64(flags[128 + bit]) << UInt64(bit)
                set.words.3 |= UInt64(flags[192 + bit]) << UInt64(bit)
            }
            return set
        }
    }

    init(_ text: StaticString) {
        self.init(text.withUTF8Buffer { Array($0) })
    }

    /// From four 64-bit words, bytes 0-63 first; a set of constants written this way is folded.
    init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// From four 64-bit words, bytes 0-63 first (as the CRS generator writes them).
    init(words: [UInt64]) {
        self.words = (words[0], words[1], words[2], words[3])
    }

    static let all = ByteSet(words: [~0, ~0, ~0, ~0])

    func union(_ other: ByteSet) -> ByteSet {
        var result = self
        result.words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
        return result
    }

    /// Bytes 0x41-0x5A (`A`-`Z`), as bits of the second word.
    private static let upperBits: UInt64 = 0x07FF_FFFE

    var hasUppercase: Bool { words.1 & Self.upperBits != 0 }

    /// The set with the lowercase letter of every uppercase one added (the uppercase ones stay).
    var addingLowercase: ByteSet {
        var result = self
        result.words.1 |= (words.1 & Self.upperBits) << 32
        return result
    }

    func adding(_ byte: UInt8) -> ByteSet {
        var result = self
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: result.words.0 |= bit
        case 1: result.words.1 |= bit
        case 2: result.words.2 |= bit
        default: result.words.3 |= bit
        }
        return result
    }

    var isEmpty: Bool { words.0 | words.1 | words.2 | words.3 == 0 }

    /// Without a branch per word (as are `intersects` and `isEmpty`): the detectors' and rules' gates
    /// ask many of these per input, and a chain of `&&` mispredicts on them.
    func isSubset(of other: ByteSet) -> Bool {
        (words.0 & ~other.words.0) | (words.1 & ~other.words.1) | (words.2 & ~other.words.2) | (words.3 & ~other.words.3) == 0
    }

    /// Always inlined: asked mostly for a constant byte, it then folds to one bit test (a call, which
    /// the optimizer otherwise kept, cost more than the test).
    @inline(__always)
    func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    func intersects(_ other: ByteSet) -> Bool {
        (words.0 & other.words.0) | (words.1 & other.words.1) | (words.2 & other.words.2) | (words.3 & other.words.3) != 0
    }
}

extension ByteSet {
    /// Calls `body` with each byte of the set, in ascending order.
    @inline(__always)
    func forEachByte(_ body: (UInt8) -> Void) {
        @inline(__always) func visit(_ word: UInt64, from base: Int) {
            var rest = word
            while rest != 0 {
                body(UInt8(truncatingIfNeeded: base &+ rest.trailingZeroBitCount))
                rest &= rest &- 1
            }
        }
        visit(words.0, from: 0)
        visit(words.1, from: 64)
        visit(words.2, from: 128)
        visit(words.3, from: 192)
    }
}
