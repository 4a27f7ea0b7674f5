@testable import PalisadeDetect
import Testing

/// The shortcuts that spare long honest values (URLs, prose, user agents) rule runs must never
/// hide a match: wherever one turns a rule away, the rule's pattern finds nothing.
@Suite struct CRSLongValueCostTests {
    static func rules(_ ids: Set<Int>) -> [CRSRule] {
        CRSRulePack.shared.rules.filter { ids.contains($0.id) }
    }

    /// Pieces that make or nearly make the literals, their evasions and the honest shapes around them.
    static let pieces = [
        "javascript:", "JaVaScRiPt:", "vbscript:", "VBScript:", "script:", "java", "vb", "script", "scrip", "t:", ":", "&#106;", "&#x6A;",
        "&tab;", "&colon;", "&#58;", "&", "\t", "\n", "\r", "/", "\\", ".", "..", "?", "/../", "\\..\\", "/?/", "0x2e", "0X2F", "0x5c",
        "%2e", "%2f", "%", "0", "x", "a", "e", "https://shop.example.com/p?x=1", "Mozilla/5.0 (X11)", " ", "-", "=", "(", ")", ";",
    ]

    static func generatedInputs(count: Int) -> [[UInt8]] {
        var random = SeededRandom(seed: 12)
        return (0..<count).map { _ in
            let length = 1 + random.next(below: 8)
            return Array((0..<length).map { _ in pieces[random.next(below: pieces.count)] }.joined().utf8)
        }
    }

    static let crafted = [
        "javascript:alert(1)", "JAVASCRIPT:x", "java\tscript:x", "&#106;avascript:x", "vbscript:msgbox", "jav ascript:x",
        "Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!", "mailto:help@shop.example.com?subject=Order 000417",
        "https://shop.example.com/receipts/ord_2026-11-23_000417?lang=en&utm_source=email", "7-in-1 hub: HDMI 4K@60Hz, 2x USB-A, SD/microSD, 100 W PD",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "../../etc/passwd", "..\\..\\windows", "/./.", "/?.?/", "0x2f0x2e0x2e0x2f", "0X5C0X2E0X2E0X5C", "%2e%2e%2f", "a/.?./b", "x/..",
    ].map { Array($0.utf8) }

    @Test func theRulesReadTheInputItself() {
        let ids = CRSEvasionFreeLiterals.scriptSchemeRules.union(CRSEvasionFreeLiterals.dotTraversalRules)
        #expect(Self.rules(ids).count == ids.count)
        for rule in Self.rules(ids) {
            #expect(rule.chain.isEmpty && rule.transforms.bits == 0, "crs.\(rule.id)")
        }
    }

    @Test func entityBytesAreSpelledRight() {
        let expected = ByteSet("&\t\n\r")
        #expect(CRSEvasionFreeLiterals.entityBytes.isSubset(of: expected) && expected.isSubset(of: CRSEvasionFreeLiterals.entityBytes))
    }

    @Test func turnedAwayInputsNeverMatch() throws {
        let values = try CRSCorpus.inputValues().map { Array($0.utf8) } + Self.crafted + Self.generatedInputs(count: 20_000)
        let scratch = MatchScratch()
        let schemes = Self.rules(CRSEvasionFreeLiterals.scriptSchemeRules)
        let traversal = Self.rules(CRSEvasionFreeLiterals.dotTraversalRules)
        var turnedAway = 0, matched = 0
        for value in values {
            let input = ScanInput(value)
            let mayScheme = CRSEvasionFreeLiterals.mayHoldScriptScheme(input)
            let mayTraverse = CRSEvasionFreeLiterals.mayHoldDotTraversal(input)
            for rule in schemes + traversal {
                let may = schemes.contains { $0 === rule } ? mayScheme : mayTraverse
                let found = rule.condition.match(input.bytes, scratch: scratch)
                if found != nil { matched += 1 }
                if !may {
                    turnedAway += 1
                    #expect(found == nil, "crs.\(rule.id) matches \(String(decoding: value, as: UTF8.self).debugDescription) but was turned away")
                }
            }
        }
        // The inputs exercise both sides: matches to keep and honest inputs to turn away.
        #expect(matched > 100 && turnedAway > 1_000)
    }
}
