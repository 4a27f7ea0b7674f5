@testable import PalisadeDetect
import Testing

/// The per-input shortcuts of the candidate loop must turn away only what the per-rule checks turn
/// away: the union of the command word lists, and the one-pass prefix word search.
@Suite struct CRSCandidateCostTests {
    @Test func commandWordUnionExcludesOnlyWhatEveryRuleExcludes() throws {
        let pack = CRSRulePack.shared
        let values = try CRSScanCostTests.values() + [
            "wget x", "W\"G'ET x", "echo hi", "x; ls", "a\nps -ef", "x|whoami", "a || dir c:", "x; net user", "& ipconfig /all",
            "cmd.exe /c", "time ls", "e'n'v x", "c\\at /etc", "json.cat x", "/bin/sh", "Saint-Étienne", "12 Rue de l'Église, Apt. #4",
        ].map { Array($0.utf8) }
        var excluded = 0
        for value in values {
            let input = ScanInput(value)
            let answer = CRSCommandStart.answer(input)
            var answers = CommandWordUnion.Answers()
            var offsets = CommandWords.Offsets()
            for rule in pack.rules where rule.hasCommandWords {
                let search = rule.commandStart.map { answer.search(hasStartAlternative: $0) } ?? .everywhere
                guard rule.commandWordsExclude(input.bytes, search: search, union: pack.commandWordUnion, answers: &answers, offsets: &offsets) else { continue }
                excluded += 1
                #expect(rule.firstMatch(in: input.bytes, scratch: MatchScratch(), search: search) == nil,
                        "crs.\(rule.id) on \(String(decoding: value, as: UTF8.self))")
            }
        }
        #expect(excluded > 0)
    }

    @Test func prefixWordsAreFoundAsInTheFilteredCopy() throws {
        let values = try CRSScanCostTests.values() + [
            "e'n'v x", "E\"V)A[L x", "ti\\me", "no)hup", "busy'box", "strace", "commandline", "eva l", "envelope", "tim e",
        ].map { Array($0.utf8) }
        for value in values {
            let lower = value.lowercasedASCII()
            let filtered = lower.filter { !CRSCommandStart.evasion.contains($0) }
            let expected = CRSCommandStart.prefixWords.contains { ByteScan.find($0, in: filtered) != nil }
            #expect(CRSCommandStart.prefixWordSearch.occurs(in: lower) == expected, "\(String(decoding: value, as: UTF8.self))")
        }
    }
}
