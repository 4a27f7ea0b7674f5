import CModSecurityHarness
import Glibc

/// How long to measure. Each row runs for `duration` and at least `minimumIterations` times, is
/// measured `repetitions` times, and the repetition with the median throughput is reported.
struct Budget {
    var duration: Duration
    var minimumIterations: Int
    /// A row stops after this long even below `minimumIterations` (ModSecurity on 1 MiB).
    var ceiling: Duration
    var repetitions: Int

    static func palisade(quick: Bool) -> Budget {
        quick ? Budget(duration: .milliseconds(100), minimumIterations: 3, ceiling: .seconds(2), repetitions: 1)
            : Budget(duration: .milliseconds(1500), minimumIterations: 20, ceiling: .seconds(20), repetitions: 3)
    }

    static func modSecurity(quick: Bool) -> Budget {
        quick ? Budget(duration: .milliseconds(200), minimumIterations: 3, ceiling: .seconds(5), repetitions: 1)
            : Budget(duration: .seconds(2), minimumIterations: 20, ceiling: .seconds(6), repetitions: 3)
    }

    /// Most CPU time one inspection may take before that engine's cell is reported as timed out.
    static func deadline(quick: Bool) -> Double { quick ? 5 : 10 }

    static func memchr(quick: Bool) -> Duration { quick ? .milliseconds(50) : .milliseconds(300) }
}

/// Latencies of one measured repetition.
struct Sample {
    var iterations: Int
    var elapsed: Duration
    /// Per-event latencies in nanoseconds, sorted.
    var latencies: [Int64]

    var eventsPerSecond: Double { Double(iterations) / elapsed.seconds }
    var p50Microseconds: Double { percentile(0.50) }
    var p99Microseconds: Double { percentile(0.99) }

    private func percentile(_ fraction: Double) -> Double {
        let rank = Int((fraction * Double(latencies.count)).rounded(.up)) - 1
        return Double(latencies[min(max(rank, 0), latencies.count - 1)]) / 1_000
    }
}

/// CPU time of the calling thread, in nanoseconds. The benchmark times with it rather than the
/// wall clock because the machine is shared: time this thread spends preempted by other work
/// does not count, while on an idle machine the two agree (nothing here blocks or sleeps).
func threadCPUTime() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

/// Times `operation` one call at a time, after a warm-up call, until the budget is spent.
/// Single-threaded by design: the figures are per core.
func measure(_ budget: Budget, _ operation: () -> Void) -> Sample {
    operation()
    var samples: [Sample] = []
    for _ in 0..<budget.repetitions {
        var latencies: [Int64] = []
        latencies.reserveCapacity(1 << 16)
        let start = threadCPUTime()
        var now = start
        while true {
            let before = now
            operation()
            now = threadCPUTime()
            latencies.append(now - before)
            let elapsed = Duration.nanoseconds(now - start)
            if elapsed >= budget.ceiling || (elapsed >= budget.duration && latencies.count >= budget.minimumIterations) {
                break
            }
        }
        samples.append(Sample(iterations: latencies.count, elapsed: .nanoseconds(now - start), latencies: latencies.sorted()))
    }
    return samples.sorted { $0.eventsPerSecond < $1.eventsPerSecond }[samples.count / 2]
}

/// One engine's result for a row: measured, or given up on because one inspection outlasted the
/// deadline.
enum Outcome {
    case measured(Sample, verdict: String)
    case timedOut(after: Double)
    /// Not measured in this run (`--palisade-only`, for profiling and quick iteration).
    case skipped

    var sample: Sample? {
        if case .measured(let sample, _) = self { sample } else { nil }
    }
}

/// Whether `work` completes within `seconds` of CPU time. It runs in a forked child that is killed
/// at the limit, because neither engine can be interrupted inside a regex that backtracks
/// catastrophically; the child's work is thrown away, only the time counts.
func finishes(within seconds: Double, _ work: () -> Void) throws(BenchmarkError) -> Bool {
    final class Work {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
    var cpuSeconds = 0.0
    let outcome = withoutActuallyEscaping(work) { work in
        let box = Work(work)
        return withExtendedLifetime(box) {
            msh_finishes_within({ Unmanaged<Work>.fromOpaque($0!).takeUnretainedValue().run() },
                                Unmanaged.passUnretained(box).toOpaque(), seconds, &cpuSeconds)
        }
    }
    guard outcome >= 0 else { throw BenchmarkError("could not fork a child process for the deadline check") }
    return outcome == 1
}

/// Bytes per second of a bare `memchr` over `bytes` for a byte they do not contain.
func memchrBytesPerSecond(_ bytes: [UInt8], duration: Duration) -> Double {
    let absent: Int32 = 0  // JSON text never holds a raw NUL byte.
    let repetitionsPerRound = max(1, (1 << 24) / max(bytes.count, 1))
    return bytes.withUnsafeBufferPointer { buffer in
        var rounds = 0
        let start = threadCPUTime()
        var elapsed: Int64 = 0
        repeat {
            let hits = msh_memchr_pass(buffer.baseAddress!, buffer.count, absent, repetitionsPerRound)
            precondition(hits == 0, "the event holds a NUL byte; memchr would stop early")
            rounds += 1
            elapsed = threadCPUTime() - start
        } while Duration.nanoseconds(elapsed) < duration
        return Double(bytes.count * repetitionsPerRound * rounds) / (Double(elapsed) / 1e9)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
