import Synchronization

/// CRS scratch buffers kept across events: an event borrows one and gives it back, so buffers warmed
/// by earlier events are reused instead of allocated per event. A borrowed scratch belongs to one
/// thread until returned, so two threads never share one.
final class CRSScratchPool: Sendable {
    /// Owns a scratch while it sits in the pool or is borrowed; only one holder touches it at a time.
    private final class Slot: @unchecked Sendable {
        let scratch: CRSScratch
        init(_ scratch: CRSScratch) { self.scratch = scratch }
    }

    /// Scratches kept beyond this are dropped: more threads than this rarely inspect at once.
    static let maxIdle = 16

    private let patternCount: Int
    private let idle = Mutex<[Slot]>([])

    init(patternCount: Int) {
        self.patternCount = patternCount
    }

    /// Runs `body` with a scratch no other thread holds meanwhile.
    func withScratch<Result>(_ body: (CRSScratch) -> Result) -> Result {
        let slot = idle.withLock { $0.popLast() } ?? Slot(CRSScratch(patternCount: patternCount))
        defer {
            idle.withLock { slots in
                if slots.count < Self.maxIdle { slots.append(slot) }
            }
        }
        return body(slot.scratch)
    }
}
