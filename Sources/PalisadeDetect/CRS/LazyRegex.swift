import Synchronization

/// A CRS pattern compiled (with the JIT) the first time a scan needs it. The prefilters keep most
/// rules from ever running on honest traffic, so a process compiles the few it uses: start-up costs
/// no compilation and the JIT code held is a fraction of the pack's (1.3 MB at paranoia level 1).
final class LazyRegex: Sendable {
    enum State {
        case pending
        case compiled(CompiledRegex)
        /// PCRE2 rejected the pattern: the rule never matches (the tests require no such rule).
        case rejected
    }

    let pattern: String
    private let state = Mutex(State.pending)

    init(_ pattern: String) {
        self.pattern = pattern
    }

    /// The compiled pattern; the first caller compiles it while later ones wait for it.
    var compiled: CompiledRegex? {
        state.withLock { state in
            if case .pending = state { state = CompiledRegex(pattern).map(State.compiled) ?? .rejected }
            guard case .compiled(let regex) = state else { return nil }
            return regex
        }
    }

    func firstMatch(in subject: [UInt8], from start: Int = 0, scratch: MatchScratch) -> Range<Int>? {
        compiled?.firstMatch(in: subject, from: start, scratch: scratch)
    }
}
