@testable import PalisadeDetect
import Testing

/// The per-event verdict cache must find every input it holds, past its growth from 64 entries, and
/// tell apart inputs whose bytes agree but whose kind or header differs.
@Suite struct ShortInputCacheTests {
    /// An input as the engine hands it to the cache: its bytes, kind and digest.
    struct Key {
        let value: [UInt8]
        let isKey: Bool
        let source: InputSource
        let digest: UInt64

        init(value: [UInt8], isKey: Bool = false, source: InputSource = .argument, digest: UInt64? = nil) {
            self.value = value
            self.isKey = isKey
            self.source = source
            self.digest = digest ?? value.withUnsafeBufferPointer { ShortInputKey.digest(of: $0, isKey: isKey, source: source)! }
        }
    }

    static func key(_ text: String, isKey: Bool = false, source: InputSource = .argument) -> Key {
        Key(value: Array(text.utf8), isKey: isKey, source: source)
    }

    static func match(_ rule: String) -> Match {
        Match(category: .sqli, rule: rule, message: rule, evidence: 0..<1)
    }

    /// Only keys that may read `prototype` once decoded stay out of the cache; other nine-byte keys share verdicts.
    @Test func keepsOnlyPossiblePrototypeKeysOut() {
        func digest(_ text: String, isKey: Bool = true) -> UInt64? {
            Array(text.utf8).withUnsafeBufferPointer { ShortInputKey.digest(of: $0, isKey: isKey, source: .argument) }
        }
        for key in ["prototype", "ProtoType", "pr%6ftotype", "proto&#116;ype", "proto\\u0074ype", "prototype\u{0}"] {
            #expect(digest(key) == nil, "\(key) is cached")
        }
        for key in ["unitPrice", "prototypes", "protozoan", "shipping"] { #expect(digest(key) != nil, "\(key) is not cached") }
        #expect(digest("prototype", isKey: false) != nil)
    }

    @Test func findsEveryEntryAcrossGrowth() {
        var cache = ShortInputCache<[Match]>()
        for index in 0..<1000 {
            let key = Self.key("value-\(index)")
            #expect(cache.verdict(for: key) == nil)
            cache.insert(index % 3 == 0 ? [Self.match("rule-\(index)")] : [], for: key)
        }
        for index in 0..<1000 {
            let verdict = cache.verdict(for: Self.key("value-\(index)"))
            #expect(verdict?.map(\.rule) == (index % 3 == 0 ? ["rule-\(index)"] : []))
        }
        #expect(cache.verdict(for: Self.key("value-1000")) == nil)
    }

    /// A cache emptied for the next event (kept warm in the engine's scratch) holds nothing, and takes
    /// entries again as a new one would: both at its first size and past the size it keeps.
    @Test func removeAllForgetsEveryEntry() {
        for count in [100, 5000] {
            var cache = ShortInputCache<[Match]>()
            for index in 0..<count { cache.insert([Self.match("rule-\(index)")], for: Self.key("value-\(index)")) }
            cache.removeAll()
            for index in 0..<count { #expect(cache.verdict(for: Self.key("value-\(index)")) == nil) }
            for index in 0..<count where index % 2 == 0 { cache.insert([Self.match("again-\(index)")], for: Self.key("value-\(index)")) }
            for index in 0..<count {
                #expect(cache.verdict(for: Self.key("value-\(index)"))?.map(\.rule) == (index % 2 == 0 ? ["again-\(index)"] : nil))
            }
        }
    }

    /// Emptying after colliding digests, some of which found no slot, leaves the table empty too.
    @Test func removeAllAfterCollisions() {
        var cache = ShortInputCache<[Match]>()
        let keys = (0..<100).map { Key(value: Array("v\($0)".utf8), digest: 7) }
        for key in keys { cache.insert([Self.match("rule")], for: key) }
        cache.removeAll()
        for key in keys { #expect(cache.verdict(for: key) == nil) }
        cache.insert([Self.match("fresh")], for: keys[99])
        #expect(cache.verdict(for: keys[99])?.map(\.rule) == ["fresh"])
    }

    @Test func keepsKindsAndHeadersApart() {
        var cache = ShortInputCache<[Match]>()
        cache.insert([Self.match("value")], for: Self.key("admin"))
        cache.insert([Self.match("header")], for: Self.key("admin", source: .header(Array("x-user".utf8))))
        #expect(cache.verdict(for: Self.key("admin", isKey: true)) == nil)
        #expect(cache.verdict(for: Self.key("admin", source: .header(Array("x-role".utf8)))) == nil)
        #expect(cache.verdict(for: Self.key("admin"))?.map(\.rule) == ["value"])
        #expect(cache.verdict(for: Self.key("admin", source: .header(Array("x-user".utf8))))?.map(\.rule) == ["header"])
    }

    /// Inputs crafted to share one digest cost a bounded number of probes each: past the first
    /// `maxProbes` they are not cached, and those that are still come back right.
    @Test func collidingDigestsStayBounded() {
        var cache = ShortInputCache<[Match]>()
        let keys = (0..<5000).map { Key(value: Array("v\($0)".utf8), digest: 42) }
        for (index, key) in keys.enumerated() {
            #expect(cache.verdict(for: key) == nil)
            cache.insert([Self.match("rule-\(index)")], for: key)
        }
        for (index, key) in keys.enumerated() {
            #expect(cache.verdict(for: key)?.map(\.rule) == (index < ShortInputCache<[Match]>.maxProbes ? ["rule-\(index)"] : nil))
        }
    }
}

extension ShortInputCache {
    /// A lookup alone, which the engine never makes (it looks up and inserts in one search).
    func verdict(for value: UnsafeBufferPointer<UInt8>, isKey: Bool, source: InputSource, digest: UInt64) -> Verdict? {
        if case .found(let verdict) = search(value, isKey: isKey, source: source, digest: digest) { return verdict }
        return nil
    }
}

private extension ShortInputCache {
    func verdict(for key: ShortInputCacheTests.Key) -> Verdict? {
        key.value.withUnsafeBufferPointer { verdict(for: $0, isKey: key.isKey, source: key.source, digest: key.digest) }
    }

    mutating func insert(_ verdict: Verdict, for key: ShortInputCacheTests.Key) {
        key.value.withUnsafeBufferPointer { insert(verdict, for: $0, isKey: key.isKey, source: key.source, digest: key.digest) }
    }
}
