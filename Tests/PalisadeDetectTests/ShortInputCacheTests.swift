@testable import PalisadeDetect
import Testing

/// The per-event verdict cache must find every input it holds, past its growth from 64 entries, and
/// tell apart inputs whose bytes agree but whose kind or header differs.
@Suite struct ShortInputCacheTests {
    static func key(_ text: String, isKey: Bool = false, source: InputSource = .argument) -> ShortInputKey {
        ShortInputKey(InputView(path: [], value: Array(text.utf8), record: nil, isKey: isKey, source: source))!
    }

    static func match(_ rule: String) -> Match {
        Match(category: .sqli, rule: rule, message: rule, evidence: 0..<1)
    }

    @Test func findsEveryEntryAcrossGrowth() {
        var cache = ShortInputCache()
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

    @Test func keepsKindsAndHeadersApart() {
        var cache = ShortInputCache()
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
        var cache = ShortInputCache()
        let keys = (0..<5000).map { ShortInputKey(value: Array("v\($0)".utf8), isKey: false, source: .argument, digest: 42) }
        for (index, key) in keys.enumerated() {
            #expect(cache.verdict(for: key) == nil)
            cache.insert([Self.match("rule-\(index)")], for: key)
        }
        for (index, key) in keys.enumerated() {
            #expect(cache.verdict(for: key)?.map(\.rule) == (index < ShortInputCache.maxProbes ? ["rule-\(index)"] : nil))
        }
    }
}
