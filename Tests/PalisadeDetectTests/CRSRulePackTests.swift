@testable import PalisadeDetect
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
        CRSRulePack.shared.scan(ScanInput(subject), categories: Set(AttackCategory.allCases), paranoiaLevel: 1, into: &matches)
        #expect(matches.contains { $0.rule == "crs.931100" }, "\(matches.map(\.rule))")
    }
}
