@testable import PalisadeDetect
import Testing

/// 934100 is turned away from inputs that are not base64 and lack what every one of its alternatives
/// needs (`CRSEvasionFreeLiterals.mayHoldNodeCall`), and the gate asks a byte of its extra required set
/// of every variant (`CRSEvasionFreeLiterals.requiredBytes`): where either fails, its pattern finds nothing.
@Suite struct CRSRoundTwoCostTests {
    static var nodeCallRule: CRSRule? {
        CRSRulePack.shared.rules.first { CRSEvasionFreeLiterals.nodeCallRules.contains($0.id) }
    }

    /// Pieces of the pattern's literals, split where whitespace may come between, and honest prose around them.
    static let pieces = [
        "eval", "EVAL", "(", ")", "{", "}", "new", "Function", "function", "fun ction", "n", "l", "e", "g", "s", "N", "L", "E", ".", " ", "\t",
        "\n", "\u{0B}", "\u{0C}", "\r", "\u{A0}", "\u{85}", "String", "fromCharCode", "Module", ":", "prototype", "this", "constructor",
        "module", "exports=", "child_process", "_", "[", "]", "'", "\"", "`", "console", "log", "process", "env", "require", "resolve",
        "main", "global", "binding", "$$ND_FUNC$$_", "_js_function", "Ring twice; if nobody answers", " (No. 14). Thanks!", "USB-C cable (2 m)",
        "Apt. #4", "x", "1", ",", ";",
    ]

    static func generatedInputs(count: Int) -> [[UInt8]] {
        SeededRandom.joinedPieces(pieces, count: count, seed: 934)
    }

    static let crafted = [
        "eval(1)", "eval \t(1)", "new Function (x)", "new\u{0B}Function\u{0B}(x)", "function (){", "this .constructor", "module .exports=1",
        "String .fromCharCode(65)", "process .env", "console .log(1)", "require .main", "Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!",
        "12 Rue de l'Église, Apt. #4", "Sleeve 13\" laptop & tablet, recycled felt", "USB-C cable (2 m), braided - black", "+353 (1) 555-0142",
    ].map { Array($0.utf8) }

    @Test func theRuleReadsTheInputWithoutWhitespace() throws {
        let rule = try #require(Self.nodeCallRule)
        #expect(rule.chain.isEmpty)
        #expect(rule.transforms.bits & ~(TransformSet.removeWhitespace | TransformSet.base64Decode) == 0)
    }

    @Test func byteSetIsSpelledRight() {
        let bytes = CRSEvasionFreeLiterals.nodeCallBytes
        #expect(bytes.isSubset(of: ByteSet("_[:")) && ByteSet("_[:").isSubset(of: bytes))
    }

    @Test func turnedAwayInputsNeverMatch() throws {
        let rule = try #require(Self.nodeCallRule)
        let scratch = MatchScratch()
        var turnedAway = 0, matched = 0
        for value in Self.crafted + Self.generatedInputs(count: 20_000) {
            let input = ScanInput(value)
            // The shortcut holds only for inputs that are not base64 (`CRSRulePack.turnAway`).
            guard input.transformTraits.unchanging & TransformSet.base64Decode != 0 else { continue }
            let variant = rule.transforms.effective(for: input).apply(to: input.bytes)
            let withoutWhitespace = TransformSet(bits: TransformSet.removeWhitespace).apply(to: input.bytes)
            let found = rule.condition.match(variant, scratch: scratch) ?? rule.condition.match(withoutWhitespace, scratch: scratch)
            if found != nil { matched += 1 }
            guard !CRSEvasionFreeLiterals.mayHoldNodeCall(input) else { continue }
            turnedAway += 1
            #expect(found == nil, "crs.\(rule.id) matches \(String(decoding: value, as: UTF8.self).debugDescription) but was turned away")
        }
        // The inputs exercise both sides: matches to keep and honest inputs to turn away.
        #expect(matched > 100 && turnedAway > 1_000)
    }

    /// The gate's extra byte sets hold for every subject the rule matches, whatever variant (a decoded base64 one too) it is.
    @Test func everyMatchHasAnExtraRequiredByte() throws {
        var checked = 0
        for (id, required) in CRSEvasionFreeLiterals.requiredBytes {
            let rule = try #require(CRSRulePack.shared.rules.first { $0.id == id })
            let scratch = MatchScratch()
            for value in Self.crafted + Self.generatedInputs(count: 20_000) {
                for subject in [value, TransformSet(bits: TransformSet.removeWhitespace).apply(to: value)] {
                    guard rule.condition.match(subject, scratch: scratch) != nil else { continue }
                    checked += 1
                    #expect(ByteSet(subject).intersects(required), "crs.\(id) matches \(String(decoding: subject, as: UTF8.self).debugDescription) without a required byte")
                }
            }
        }
        #expect(checked > 100)
    }
}
