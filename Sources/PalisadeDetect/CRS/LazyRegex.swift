import Synchronization

/// A CRS pattern compiled (with the JIT) the first time a scan needs it. The prefilters keep most
/// rules from ever running on honest traffic, so a process compiles the few it uses: start-up costs
/// no compilation and the JIT code held is a fraction of the pack's (1.3 MB at paranoia level 1).
/// Once compiled, a match reads the pattern without taking the lock.
final class LazyRegex: Sendable {
    let pattern: String
    /// Compiled with `PCRE2_ANCHORED`: a match must start where the search starts.
    let anchored: Bool
    /// Held for the one compilation; `compiledRegex` is written under it, before `isCompiled` is set.
    private let compiling = Mutex(())
    private let isCompiled = Atomic<Bool>(false)
    /// After compilation: nil when PCRE2 rejected the pattern (the rule never matches; the tests require no such rule).
    private nonisolated(unsafe) var compiledRegex: CompiledRegex?
    /// `compiledRegex` again, unretained, for matches: it is written once, before `isCompiled`, and
    /// lives as long as this (held by `compiledRegex`), so a match costs no reference counting
    /// (an `unowned(unsafe)` reference is still retained for the call).
    private nonisolated(unsafe) var compiledForMatch: Unmanaged<CompiledRegex>?

    init(_ pattern: String, anchored: Bool = false) {
        self.pattern = pattern
        self.anchored = anchored
    }

    /// The compiled pattern; the first caller compiles it while later ones wait for it.
    var compiled: CompiledRegex? {
        if isCompiled.load(ordering: .acquiring) { return compiledRegex }
        return compiling.withLock { _ in
            if !isCompiled.load(ordering: .acquiring) {
                compiledRegex = CompiledRegex(pattern, anchored: anchored)
                compiledForMatch = compiledRegex.map { Unmanaged.passUnretained($0) }
                isCompiled.store(true, ordering: .releasing)
            }
            return compiledRegex
        }
    }

    func firstMatch(in subject: [UInt8], from start: Int = 0, scratch: MatchScratch) -> Range<Int>? {
        guard isCompiled.load(ordering: .acquiring) else { return compiled?.firstMatch(in: subject, from: start, scratch: scratch) }
        return compiledForMatch?._withUnsafeGuaranteedRef { $0.firstMatch(in: subject, from: start, scratch: scratch) }
    }
}
