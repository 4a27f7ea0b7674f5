@testable import PalisadeDetect
import PalisadeJSON
import Testing

/// The per-byte rule selection (`CRSRulePack.Selection.gate`) and everything after it must never
/// hide a match: on every corpus input, in the place the corpus puts it and as a plain argument,
/// and on crafted inputs, the gated scan reports exactly the rules that running every active rule
/// whole reports (the same rules; the scan's order within a transformation set differs).
@Suite struct CRSRuleSelectionTests {
    static let crafted: [String] = [
        "ord_2026-11-23_000417", "2026-11-23T06:40:12.345Z", "cus_8841", "Siobhán O'Brien-Núñez", "siobhan.obrien+orders@example.ie",
        "+353 (1) 555-0142", "12 Rue de l'Église, Apt. #4", "Saint-Étienne", "42000", "FR", "billingSameAsShipping", "unitPrice",
        "Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!", "2026-11-25T08:00:00+01:00",
        "USB-C cable (2 m), braided - black", "7-in-1 hub: HDMI 4K@60Hz, 2x USB-A, SD/microSD, 100 W PD", "Sleeve 13\" laptop & tablet, recycled felt",
        "tok_1QxYz2AbCdEfGhIjKlMn", "https://shop.example.com/receipts/ord_2026-11-23_000417?lang=en&utm_source=email",
        "mailto:help@shop.example.com?subject=Order%20000417", "web; Safari 18.1 / macOS 14.6", "free-shipping>=50:a",
        "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjdXNfODg0MSJ9.Xk3vQ9pL2sR7tY1uW5zA8bC4dE6fG0hJ2kM9nP3qR5s",
        "Gift for Mum - please don't include the invoice :-) Merci!", "c6af9ac6-7b61-41e6-9a41-93e8d1b2c3d4", "ls", "id", "ID", "Cat",
        "SELECT", "SeLeCt * FrOm users", "UNION SELECT card_number, cvv FROM payments -- ", "1' OR '1'='1", "<SCRIPT>alert(1)</SCRIPT>",
        "JaVaScRiPt:alert(1)", "../../ETC/PASSWD", "..\\..\\windows\\win.ini", "/etc/passwd", "PHPINFO()", "system('id')", "${jndi:ldap://x/a}",
        "{{7*7}}", "a/**/UNION/**/SELECT", "WAITFOR DELAY '0:0:5'", "Y2F0IC9ldGMvcGFzc3dk", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "eval(base64_decode('x'))", "Runtime.getRuntime().exec", "java.lang.Runtime", "__proto__", "constructor[prototype]",
        "x;CAT /ETC/PASSWD", "A\tB\tC", "a  b", "/bin/ba\\sh", "c^md /c dir", "POWERSHELL -enc abc", "http://169.254.169.254/latest/",
        "gopher://127.0.0.1:6379/_", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko)",
        // Base64 of Node.js code (934100, 934101, 934160 decode it), also URL-safe and unpadded, and of
        // text that canonical decoding changes; then short words whose decoded bytes are noise.
        "d2hpbGUodHJ1ZSl7fQ==", "d2hpbGUodHJ1ZSl7fQ", "cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk=",
        "Y29uc29sZS5sb2coZG9jdW1lbnQuY29va2llKQ==", "cHJvY2Vzcy5tYWluTW9kdWxlLnJlcXVpcmUoImZzIikucmVhZEZpbGVTeW5jKCIvZXRjL3Bhc3N3ZCIp",
        "Zm9yKDs7KXt9IHdoaWxlKDEpe3goKX0=", "JTNDc2NyaXB0JTNF", "currency", "quantity", "postcode", "createdAt", "experiments",
    ]

    static func sources(_ location: String, name: String?) -> [InputSource] {
        switch location {
        case "header": [.header(Array((name ?? "x-test").utf8).lowercasedASCII()), .argument]
        case "cookie": [.cookie, .argument]
        case "path", "uri": [.path, .argument]
        default: [.argument]
        }
    }

    /// The reference: every active rule whose targets cover the input, in transformation set order, run whole.
    static func ungated(_ pack: CRSRulePack, _ selection: CRSRulePack.Selection, _ input: ScanInput, _ scratch: MatchScratch) -> [String] {
        var variants = TransformCache()
        var found: [String] = []
        var order: [Int] = []
        selection.active.forEach { order.append($0) }
        order.sort { (selection.transformIndex[$0], $0) < (selection.transformIndex[$1], $1) }
        for index in order {
            let rule = pack.rules[index]
            guard rule.targets.covers(input) else { continue }
            if rule.category == .cmdi, CRSExclusions.isPlainWebURL(input) { continue }
            if rule.category == .xss, CRSExclusions.isPathWithoutMarkup(input) { continue }
            let subject = variants.value(for: rule.transforms.effective(for: input), of: input)
            let matched: Bool
            switch rule.condition.matcher {
            case .phrases(let phrases): matched = phrases.firstMatch(in: subject) != nil
            case .regex: matched = rule.firstAcceptedMatch(in: subject, input: input, search: .everywhere, scratch: scratch) != nil
            }
            guard matched else { continue }
            let passes = rule.chain.allSatisfy { link in
                let linked = variants.value(for: (link.transforms.bits == 0 ? rule.transforms : link.transforms).effective(for: input), of: input)
                return (link.match(linked, scratch: scratch) != nil) != link.negated
            }
            if passes { found.append("crs.\(rule.id)") }
        }
        return found
    }

    static func corpusInputs() throws -> [(value: [UInt8], sources: [InputSource])] {
        var inputs: [(value: [UInt8], sources: [InputSource])] = []
        for line in try Fixture.bytes("crs/crs-regression.jsonl").split(separator: 0x0A) {
            let record = try PalisadeJSON.JSONDocument(bytes: Array(line)).root
            for input in record["inputs"].map({ Array($0.elements) }) ?? [] {
                guard let value = input["value"]?.string else { continue }
                inputs.append((Array(value.utf8), sources(input["loc"]?.string ?? "", name: input["name"]?.string)))
            }
        }
        for text in crafted {
            inputs.append((Array(text.utf8), [.argument, .argumentName, .header(Array("user-agent".utf8)), .header(Array("referer".utf8)), .path, .cookie, .queryString]))
        }
        return inputs
    }

    /// The gate reads a base64 input's decoded bytes: code that decodes to a Node.js attack still runs the rules.
    @Test func base64RulesSeeWhatTheInputDecodesTo() {
        let pack = CRSRulePack.shared
        let selection = pack.select(categories: Set(AttackCategory.allCases), paranoiaLevel: 4)
        for (text, rule) in [("d2hpbGUodHJ1ZSl7fQ==", "crs.934160"), ("cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLmV4ZWMoJ2lkJyk=", "crs.934100")] {
            var matches: [Match] = []
            pack.scan(ScanInput(Array(text.utf8)), selection: selection, into: &matches)
            #expect(matches.contains { $0.rule == rule }, "\(text)")
        }
        // A key that decodes to noise without the base64 rules' bytes leaves none of them to run or wait for.
        let gate = selection.gate(ScanInput(Array("currency".utf8), isKey: true, source: .argumentName), sources: .all)
        let base64Rules = selection.withTransform[TransformSet.base64Decode.trailingZeroBitCount]
        #expect(!base64Rules.isEmpty)
        #expect((base64Rules & (gate.candidates | gate.waiting | gate.waitingPlain)).isEmpty)
        let decoded = TransformSet.base64DecodedBytes(of: ScanInput(Array("currency".utf8)))
        guard case .exactly = decoded else { Issue.record("currency decodes to bytes canonical decoding keeps"); return }
    }

    /// Every automaton pattern of a rule holds a byte of the rule's rarest-byte set, in both cases:
    /// the gate leaves a rule waiting for the automaton only when its variant has one of them.
    @Test func everyAutomatonPatternHoldsOneOfItsRulesRarestBytes() {
        for rule in CRSRulePack.shared.rules {
            let phrases: [[UInt8]]
            if case .phrases(let matcher) = rule.condition.matcher { phrases = matcher.phrases } else { phrases = [] }
            for (patterns, bytes) in [(rule.isPhraseRule ? phrases : rule.longAtoms, rule.longAtomBytes), (rule.plainLongAtoms, rule.plainLongAtomBytes)] {
                for pattern in patterns {
                    #expect(pattern.contains { bytes.contains($0) }, "\(rule.id) \(pattern)")
                    #expect(pattern.uppercasedASCIIForTest.contains { bytes.contains($0) }, "\(rule.id) \(pattern)")
                }
            }
        }
    }

    /// `Canonicalizer.decodable`: a text without any of them is canonical already, which the
    /// gate relies on to read a base64 input's decoded bytes as the variant's.
    @Test func textWithoutCanonicalChangersIsCanonical() {
        let changers = Canonicalizer.decodable
        let bytes = (0...255).map(UInt8.init).filter { !changers.contains($0) }
        for first in bytes {
            for second in bytes where Canonicalizer.canonical([first, second]) != [first, second] {
                Issue.record("\(first) \(second)")
            }
        }
        // Multi-byte sequences: every lead with continuation bytes, then a byte of any kind.
        let leads = bytes.filter { $0 >= 0x80 }, continuations = bytes.filter { $0 >= 0x80 && $0 < 0xC0 }
        for lead in leads {
            for second in continuations {
                for third in continuations + Array("a/.%".utf8).filter({ !changers.contains($0) }) {
                    let text = [lead, second, third, second]
                    if Canonicalizer.canonical(text) != text { Issue.record("\(text)") }
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 1...24, using: &generator)).map { _ in bytes.randomElement(using: &generator)! }
            #expect(Canonicalizer.canonical(text) == text, "\(text)")
        }
    }

    @Test(arguments: [1, 4])
    func gatedScanAgreesWithRunningEveryRule(paranoiaLevel: Int) throws {
        let pack = CRSRulePack.covering(paranoiaLevel: paranoiaLevel)
        let selection = pack.select(categories: Set(AttackCategory.allCases), paranoiaLevel: paranoiaLevel)
        let scratch = CRSScratch(patternCount: pack.automaton.patternCount)
        let reference = MatchScratch()
        var compared = 0, matched = 0
        for (value, sources) in try Self.corpusInputs() {
            for source in sources {
                let input = ScanInput(value, isKey: source == .argumentName, source: source)
                var matches: [Match] = []
                pack.scan(input, selection: selection, scratch: scratch, into: &matches)
                let expected = Self.ungated(pack, selection, input, reference)
                // Within a transformation set the scan runs the rules the automaton selects last, so only the order may differ.
                #expect(matches.map(\.rule).sorted() == expected.sorted(), "\(source) \(String(decoding: value, as: UTF8.self))")
                compared += 1
                if !expected.isEmpty { matched += 1 }
            }
        }
        #expect(compared > 5000)
        #expect(matched > 1000)
    }
}

extension [UInt8] {
    var uppercasedASCIIForTest: [UInt8] { map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 ^ 0x20 : $0 } }
}
