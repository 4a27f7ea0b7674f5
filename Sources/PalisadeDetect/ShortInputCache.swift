import PalisadeJSON

/// Identity of a short input for the per-event cache: same bytes in the same kind of place give the
/// same matches (keys named `prototype` depend on their parent, so they are never cached).
enum ShortInputKey {
    static let maxBytes = 64

    /// The digest of an input that may be cached, or nil for one that may not: worked out from the
    /// bytes alone, so that an input already held is found without copying them into an array.
    static func digest(of value: UnsafeBufferPointer<UInt8>, isKey: Bool, source: InputSource) -> UInt64? {
        guard value.count <= maxBytes, !(isKey && mayDecodeToPrototype(value)) else { return nil }
        var digest = fold(0xCBF2_9CE4_8422_2325, value)
        if case .header(let name) = source { digest = name.withUnsafeBufferPointer { fold(digest ^ 0xFF, $0) } }
        return digest
    }

    /// A key that reads `prototype` once decoded is judged with its parent key as well
    /// (`constructor.prototype`), so two of them under different parents must not share a verdict.
    /// Decoding only ever shortens an input, so a longer key can read `prototype` only if it holds
    /// something to decode (`pr%6ftotype`); other keys, `unitPrice` say, are shared as any input is.
    static func mayDecodeToPrototype(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = PrototypePollutionDetector.prototypeLength
        guard key.count >= length else { return false }
        if key.count == length, ASCII.equalIgnoringCase(key, PrototypePollutionDetector.prototypeKey) { return true }
        let decodable = Canonicalizer.decodable
        return key.contains { decodable.contains($0) }
    }

    /// Eight bytes per multiply, the last eight overlapping the word before and a shorter input
    /// read as one word: a multiply per byte of the tail was a chain of dependent multiplies. Only
    /// the spread of the digest matters: the cache compares the bytes of every candidate.
    private static func fold(_ start: UInt64, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        @inline(__always) func mix(_ digest: UInt64, _ word: UInt64) -> UInt64 {
            let product = (digest ^ word) &* 0x9E37_79B9_7F4A_7C15
            return product ^ (product >> 29)
        }
        let count = bytes.count
        guard let base = bytes.baseAddress, count > 0 else { return start }
        var digest = start ^ UInt64(count)
        if count >= 8 {
            var index = 0
            while index + 8 < count {
                digest = mix(digest, ByteWord.load(base + index))
                index += 8
            }
            return mix(digest, ByteWord.load(base + count - 8))
        }
        let word: UInt64
        if count >= 4 {
            word = UInt64(UnsafeRawPointer(base).loadUnaligned(as: UInt32.self)) | UInt64(UnsafeRawPointer(base + count - 4).loadUnaligned(as: UInt32.self)) << 32
        } else {
            word = UInt64(base[0]) | UInt64(base[count >> 1]) << 8 | UInt64(base[count - 1]) << 16
        }
        return mix(digest, word)
    }
}

/// What is known of each distinct short input of one event (arrays of records repeat their keys and
/// many short values): the engine keeps the index of the input first scanned for it. An
/// open-addressing table on the key's digest rather than a `Dictionary`, which runs SipHash over
/// the digest again at every lookup and insert. Entries keep their bytes (and a header's name) in
/// one shared buffer rather than arrays of their own, so an entry costs no reference counting.
struct ShortInputCache<Verdict: Sendable>: Sendable {
    private struct Entry {
        let digest: UInt64
        /// The value's bytes in `bytes`, followed by the header's name for a header value.
        let start: Int32
        let count: Int32
        let nameCount: Int32
        let isKey: Bool
        let kind: UInt8
    }

    /// Per slot, 1 + the index of its entry, or 0 when empty; always at most half full.
    private var slots: [Int32]
    private var entries: [Entry] = []
    private var bytes: [UInt8] = []
    private var verdicts: [Verdict] = []
    private var shift: UInt64

    /// Sized for a typical event up front (64 entries) rather than grown through a series of copies.
    init() {
        slots = Array(repeating: 0, count: 128)
        shift = 64 - 7
        entries.reserveCapacity(64)
        bytes.reserveCapacity(1024)
        verdicts.reserveCapacity(64)
    }

    /// Table sizes kept when a scratch is reused; one grown by a huge event starts small again.
    static var keptSlots: Int { 1024 }

    /// Forgets every entry, keeping the storage for the next event: only the slots in use are
    /// cleared, so a reused table costs what its entries did.
    mutating func removeAll() {
        if slots.count > Self.keptSlots {
            self = ShortInputCache()
            return
        }
        let mask = slots.count - 1
        for (index, entry) in entries.enumerated() {
            // Within `maxProbes` of its first slot, or nowhere (`grow` may have left it out).
            var slot = firstSlot(entry.digest)
            for _ in 0..<Self.maxProbes {
                if Int(slots[slot]) == index + 1 {
                    slots[slot] = 0
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        verdicts.removeAll(keepingCapacity: true)
    }

    /// Fibonacci hashing: the digest's high bits after one multiply pick the first slot.
    private func firstSlot(_ digest: UInt64) -> Int {
        Int(truncatingIfNeeded: (digest &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Slots looked at per lookup or insert. The digest has no secret seed, so an event can be made
    /// of inputs that all land in one run of slots; past this many a key is simply not cached, and an
    /// input costs at most this many probes instead of one per input already held.
    static var maxProbes: Int { 16 }

    /// Where the search for an input ended: at its verdict, at the empty slot it would take, or after
    /// `maxProbes` full slots.
    enum Search {
        case found(Verdict)
        case empty(slot: Int)
        case full
    }

    func search(_ value: UnsafeBufferPointer<UInt8>, isKey: Bool, source: InputSource, digest: UInt64) -> Search {
        let mask = slots.count - 1
        var slot = firstSlot(digest)
        for _ in 0..<Self.maxProbes {
            let entry = Int(slots[slot])
            if entry == 0 { return .empty(slot: slot) }
            if entries[entry - 1].digest == digest, holds(entries[entry - 1], value, isKey: isKey, source: source) { return .found(verdicts[entry - 1]) }
            slot = (slot + 1) & mask
        }
        return .full
    }

    /// The verdict of the input of these bytes and kind (compared in place), and when there is none,
    /// `insert` of `verdict`, in one search: the empty slot it ended at is where the entry goes
    /// (unless the table grows first).
    mutating func verdict(for value: UnsafeBufferPointer<UInt8>, isKey: Bool, source: InputSource, digest: UInt64, orInsert verdict: Verdict) -> Verdict? {
        switch search(value, isKey: isKey, source: source, digest: digest) {
        case .found(let known):
            return known
        case .empty(let slot):
            if (entries.count + 1) * 2 > slots.count {
                insert(verdict, for: value, isKey: isKey, source: source, digest: digest)
            } else {
                add(verdict, for: value, isKey: isKey, source: source, digest: digest, at: slot)
            }
        case .full:
            break
        }
        return nil
    }

    private func holds(_ entry: Entry, _ value: UnsafeBufferPointer<UInt8>, isKey: Bool, source: InputSource) -> Bool {
        guard entry.isKey == isKey, entry.kind == Self.kind(of: source), Int(entry.count) == value.count else { return false }
        return bytes.withUnsafeBufferPointer { held in
            let start = Int(entry.start)
            guard Self.equal(UnsafeBufferPointer(rebasing: held[start..<start + value.count]), value) else { return false }
            guard case .header(let name) = source else { return true }
            return Int(entry.nameCount) == name.count && name.withUnsafeBufferPointer { name in
                Self.equal(UnsafeBufferPointer(rebasing: held[start + value.count..<start + value.count + name.count]), name)
            }
        }
    }

    private static func equal(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in first.indices where first[index] != second[index] { return false }
        return true
    }

    /// `InputSource`'s case as a number; a header's name is compared apart.
    private static func kind(of source: InputSource) -> UInt8 {
        switch source {
        case .argument: 0
        case .argumentName: 1
        case .cookie: 2
        case .cookieName: 3
        case .headerName: 4
        case .path: 5
        case .rawBody: 6
        case .fileName: 7
        case .queryString: 8
        case .header: 9
        }
    }

    /// Records the verdict of an input that `verdict(for:isKey:source:digest:)` did not find.
    mutating func insert(_ verdict: Verdict, for value: UnsafeBufferPointer<UInt8>, isKey: Bool, source: InputSource, digest: UInt64) {
        if (entries.count + 1) * 2 > slots.count { grow() }
        guard let slot = freeSlot(for: digest) else { return }
        add(verdict, for: value, isKey: isKey, source: source, digest: digest, at: slot)
    }

    private mutating func add(_ verdict: Verdict, for value: UnsafeBufferPointer<UInt8>, isKey: Bool, source: InputSource, digest: UInt64, at slot: Int) {
        let start = bytes.count
        bytes.append(contentsOf: value)
        var nameCount = 0
        if case .header(let name) = source {
            bytes.append(contentsOf: name)
            nameCount = name.count
        }
        record(verdict, Entry(
            digest: digest, start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: value.count),
            nameCount: Int32(truncatingIfNeeded: nameCount), isKey: isKey, kind: Self.kind(of: source)
        ), at: slot)
    }

    private func freeSlot(for digest: UInt64) -> Int? {
        let mask = slots.count - 1
        var slot = firstSlot(digest)
        for _ in 0..<Self.maxProbes {
            if slots[slot] == 0 { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Entries held.
    var count: Int { entries.count }

    /// The verdict of each key held, by entry, for `CleanKeyMemo` to keep the clean ones.
    func forEachKey(_ body: (_ entry: Int, Verdict) -> Void) {
        for (index, entry) in entries.enumerated() where entry.isKey { body(index, verdicts[index]) }
    }

    /// Holds entry `index` of `other` (same bytes, kind and digest) with `verdict`, unless it is held.
    mutating func insert<Other>(entry index: Int, of other: ShortInputCache<Other>, verdict: Verdict) {
        let entry = other.entries[index]
        let held = other.bytes[Int(entry.start)..<Int(entry.start) + Int(entry.count) + Int(entry.nameCount)]
        if (entries.count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var slot = firstSlot(entry.digest)
        for _ in 0..<Self.maxProbes {
            let taken = Int(slots[slot])
            if taken == 0 {
                let start = bytes.count
                bytes.append(contentsOf: held)
                return record(verdict, Entry(
                    digest: entry.digest, start: Int32(truncatingIfNeeded: start), count: entry.count,
                    nameCount: entry.nameCount, isKey: entry.isKey, kind: entry.kind
                ), at: slot)
            }
            let candidate = entries[taken - 1]
            if candidate.digest == entry.digest, candidate.isKey == entry.isKey, candidate.kind == entry.kind,
               candidate.count == entry.count, candidate.nameCount == entry.nameCount,
               bytes[Int(candidate.start)..<Int(candidate.start) + held.count].elementsEqual(held) {
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func record(_ verdict: Verdict, _ entry: Entry, at slot: Int) {
        entries.append(entry)
        verdicts.append(verdict)
        slots[slot] = Int32(entries.count)
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        shift -= 1
        for (index, entry) in entries.enumerated() {
            if let slot = freeSlot(for: entry.digest) { slots[slot] = Int32(index + 1) }
        }
    }
}
