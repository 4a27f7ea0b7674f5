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
        "!", "'", "\"", "`", "<", "*", "/**/", "if", "IF", "sleep", "benchmark", "div", "select ", "; ", "user", "exec", "having",
        "like", "case when 1 then", "(1", "x,", "@", "::int", "declare @a", "union all select",
    ]

    static func generatedInputs(count: Int) -> [[UInt8]] {
        SeededRandom.joinedPieces(pieces, count: count, seed: 12)
    }

    static let crafted = [
        "javascript:alert(1)", "JAVASCRIPT:x", "java\tscript:x", "&#106;avascript:x", "vbscript:msgbox", "jav ascript:x",
        "Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!", "mailto:help@shop.example.com?subject=Order 000417",
        "https://shop.example.com/receipts/ord_2026-11-23_000417?lang=en&utm_source=email", "7-in-1 hub: HDMI 4K@60Hz, 2x USB-A, SD/microSD, 100 W PD",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "' ! '", "\" !<", "`!`", "select sleep(5)", "; if(1=1", "x if (a<b", "div(1,2)", "a DIV (-1 , 2)", "; benchmark(1,x)",
        "user()", "exec(@x", "../../etc/passwd", "..\\..\\windows", "/./.", "/?.?/", "0x2f0x2e0x2e0x2f", "0X5C0X2E0X2E0X5C", "%2e%2e%2f", "a/.?./b", "x/..",
    ].map { Array($0.utf8) }

    static let deferredRules = CRSEvasionFreeLiterals.quotedBangRules.union(CRSEvasionFreeLiterals.parenWordRules.keys)

    @Test func theRulesReadTheInputItself() {
        let ids = CRSEvasionFreeLiterals.scriptSchemeRules.union(CRSEvasionFreeLiterals.dotTraversalRules).union(Self.deferredRules)
        #expect(Self.rules(ids).count == ids.count)
        for rule in Self.rules(ids) {
            // 942190 also removes comments, which changes only inputs with a `*`: `mayHoldQuotedBang` keeps those.
            let allowed = CRSEvasionFreeLiterals.quotedBangRules.contains(rule.id) ? TransformSet.replaceComments : 0
            #expect(rule.chain.isEmpty && rule.transforms.bits & ~allowed == 0, "crs.\(rule.id)")
        }
    }

    @Test func byteSetsAreSpelledRight() {
        func same(_ first: ByteSet, _ second: ByteSet) -> Bool { first.isSubset(of: second) && second.isSubset(of: first) }
        #expect(same(CRSEvasionFreeLiterals.entityBytes, ByteSet("&\t\n\r")))
        #expect(same(CRSEvasionFreeLiterals.quoteBytes, ByteSet("\"'`")))
    }

    /// A deferred rule runs only if the automaton finds one of its longer atoms: every match the
    /// shortcut leaves to the automaton holds one (on the rule's variant, the input itself without a `*`).
    @Test func deferredInputsMatchOnlyWithALongerAtom() throws {
        let values = try CRSCorpus.inputValues().map { Array($0.utf8) } + Self.crafted + Self.generatedInputs(count: 20_000)
        let scratch = MatchScratch()
        var deferred = 0, matched = 0
        for rule in Self.rules(Self.deferredRules) {
            #expect(rule.atoms?.filter { $0.count == 1 }.count == 1, "crs.\(rule.id) has one one-byte atom")
            let words = CRSEvasionFreeLiterals.parenWordRules[rule.id]
            for value in values {
                let input = ScanInput(value)
                guard !input.present.contains(UInt8(ascii: "*")) else { continue }
                let defers = words.map { CRSEvasionFreeLiterals.wordsBeforeParen(input) & $0 == 0 } ?? !CRSEvasionFreeLiterals.mayHoldQuotedBang(input)
                guard defers else { continue }
                deferred += 1
                guard rule.condition.match(input.bytes, scratch: scratch) != nil else { continue }
                matched += 1
                #expect(rule.longAtoms.contains { ByteScan.find($0, in: input.lower) != nil },
                        "crs.\(rule.id) matches \(String(decoding: value, as: UTF8.self).debugDescription) without a longer atom")
            }
        }
        #expect(deferred > 1_000 && matched > 10)
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
