@testable import PalisadeDetect

/// One rule on one input, with the command word offsets worked out afresh for the call: how the
/// tests ask. The scan works them out once per input and shares them among its rules.
extension CRSRule {
    func firstMatch(in subject: [UInt8], scratch: MatchScratch, search: CRSCommandStart.Search = .everywhere) -> Range<Int>? {
        var offsets = CommandWords.Offsets()
        return firstMatch(in: subject, scratch: scratch, search: search, offsets: &offsets)
    }

    func firstAcceptedMatch(in subject: [UInt8], input: ScanInput, search: CRSCommandStart.Search, scratch: MatchScratch) -> Range<Int>? {
        var offsets = CommandWords.Offsets()
        return firstAcceptedMatch(in: subject, input: input, search: search, offsets: &offsets, scratch: scratch)
    }
}

extension CommandWords {
    func mayBeginCommand(_ text: [UInt8]) -> Bool {
        var offsets = Offsets()
        return mayBeginCommand(text, offsets: &offsets)
    }

    func mayFollowSeparator(_ text: [UInt8], start: Bool) -> Bool {
        var offsets = Offsets()
        return mayFollowSeparator(text, start: start, offsets: &offsets)
    }
}

extension CRSCommandStart {
    /// Where a command rule's pattern must search `input`.
    static func search(_ input: ScanInput, hasStartAlternative: Bool) -> Search {
        answer(input).search(hasStartAlternative: hasStartAlternative)
    }
}
