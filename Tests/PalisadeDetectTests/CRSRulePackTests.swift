@testable import PalisadeDetect
import PalisadeJSON
import Testing

@Suite struct CRSRulePackTests {
    @Test func everyGeneratedRuleCompiles() {
        let pack = CRSRulePack.shared
        #expect(pack.rejected.isEmpty, "PCRE2 rejected CRS rules \(pack.rejected)")
        #expect(pack.rules.count == CRSRuleDefinition.generated.count)
    }
}

@Suite struct CRSRegexTests {
    @Test func anchoredPatternMatches() throws {
        let regex = try #require(CompiledRegex("(?i)^(f(?:ile|tps?)|https?|ssh)://(?:\\[?[0-9a-f]+:[0-:a-f]+\\]?|[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})"))
        let subject = Array("http://66.240.183.75/crash.php".utf8)
        #expect(regex.firstMatch(in: subject, scratch: MatchScratch()) != nil)
        let rule = try #require(CRSRulePack.shared.rules.first { $0.id == 931100 })
        #expect(rule.condition.match(subject, scratch: MatchScratch()) != nil)
        #expect(rule.targets.covers(ScanInput(subject)))
        var matches: [Match] = []
        CRSRulePack.shared.scan(ScanInput(subject), selection: CRSRulePack.shared.select(categories: Set(AttackCategory.allCases), paranoiaLevel: 1), into: &matches)
        #expect(matches.contains { $0.rule == "crs.931100" }, "\(matches.map(\.rule))")
    }
}

/// The prefilters must never hide a match: on every input of the corpus and on crafted adversarial
/// ones (long runs of quotes, brackets, separators and backslashes), whenever a rule's regular
/// expression matches, one of its atoms occurs in the same (lowercased) text, the text has a byte of
/// each of the rule's required byte sets, one of its plain atoms occurs when the text has no shell byte,
/// and the byte set the scan estimates for that variant
/// without building it holds every byte the variant has.
@Suite struct CRSAtomPrefilterTests {
    @Test func atomsAndRequiredBytesArePresentWheneverTheRegexMatches() throws {
        let pack = CRSRulePack.shared
        let scratch = MatchScratch()
        var checked = 0
        var requiredChecked = 0
        var plainChecked = 0
        let values = try CRSCorpus.inputValues()
        for value in values + Self.adversarial {
            let scan = ScanInput(Array(value.utf8))
            var variants = TransformCache()
            for rule in pack.rules {
                let effective = rule.transforms.effective(for: scan)
                let subject = variants.value(for: effective, of: scan)
                let bytes = ByteSet(subject)
                #expect(bytes.isSubset(of: effective.presentBytes(of: scan)), "crs.\(rule.id): estimated bytes miss some of \(value)")
                guard case .regex = rule.condition.matcher, rule.condition.match(subject, scratch: scratch) != nil else { continue }
                for required in rule.requiredBytes {
                    requiredChecked += 1
                    #expect(bytes.intersects(required), "crs.\(rule.id) matched \(value) without a byte of a required set")
                }
                let lower = subject.lowercasedASCII()
                if rule.hasPlainAtoms, !bytes.intersects(CRSRulePack.shellBytes) {
                    plainChecked += 1
                    #expect(rule.plainAtoms.contains { ByteScan.find($0, in: lower) != nil }, "crs.\(rule.id) matched \(value), which has no shell byte, with none of its plain atoms present")
                }
                guard let atoms = rule.atoms else { continue }
                checked += 1
                #expect(atoms.contains { ByteScan.find($0, in: lower) != nil }, "crs.\(rule.id) matched \(value) with none of its atoms present")
            }
        }
        #expect(checked > 1000)
        #expect(requiredChecked > 1000)
        #expect(plainChecked > 100)
    }

    /// Long runs of the bytes that offer patterns a place to start, with and without a word at the end.
    static let adversarial: [String] = {
        let runs = [String(repeating: "\"", count: 600), String(repeating: "[{(<", count: 100) + String(repeating: ">)}]", count: 100),
                    String(repeating: "%", count: 300) + String(repeating: "%/", count: 50), String(repeating: "\\", count: 500),
                    String(repeating: "'\"\\`", count: 100), String(repeating: ";|&{", count: 100), String(repeating: "\"\\", count: 64)]
        let tails = ["", "a", " ls -la", "; cat /etc/passwd", "<script>alert(1)</script>", "' or 1=1 -- ", "${jndi:ldap://x/a}", "../../etc/passwd"]
        return runs.flatMap { run in tails.flatMap { [run + $0, $0 + run] } }
    }()
}

/// Short inputs build their byte set byte by byte, long ones through a flag table: both must hold exactly the bytes added one at a time.
@Suite struct ByteSetTests {
    @Test func flagTableAgreesWithThePerBytePath() {
        var generator = SystemRandomNumberGenerator()
        for length in [1, 7, 40, ByteSet.flagTableThreshold - 1, ByteSet.flagTableThreshold, 100, 1000, 5000] {
            for _ in 0..<50 {
                let alphabet = (0..<Int.random(in: 1...256, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                var expected = ByteSet()
                for byte in bytes { expected = expected.adding(byte) }
                let built = ByteSet(bytes)
                #expect(built.isSubset(of: expected) && expected.isSubset(of: built), "\(length) bytes from \(alphabet.count) values")
            }
        }
    }
}

@Suite struct LowercasingTests {
    @Test func lowercasesExactlyTheASCIICapitals() {
        let bytes = (0...255).map(UInt8.init)
        let expected = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        #expect(bytes.lowercasedASCII() == expected)
        #expect([UInt8]().lowercasedASCII().isEmpty)
    }
}
