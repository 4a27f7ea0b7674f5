import CModSecurityHarness
import Glibc

/// How long to measure. Each repetition runs for `duration` (half timing single events, half
/// timing batches) and at least `minimumIterations` times in each half; a row is measured
/// `repetitions` times, and the repetition with the median throughput is reported.
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

/// One measured repetition: per-event latencies, and a throughput figure from events timed in
/// batches. Reading the thread's CPU clock is a system call here (about 0.4 µs), so a clock read
/// around every event would add its cost to each one; batches of about a millisecond make it
/// vanish from events/s, while the latencies still come from one event at a time.
struct Sample {
    /// Per-event latencies in nanoseconds, sorted.
    var latencies: [Int64]
    var batchedEvents: Int
    var batchedElapsed: Duration

    var iterations: Int { latencies.count + batchedEvents }
    var eventsPerSecond: Double { Double(batchedEvents) / batchedElapsed.seconds }
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

/// Times `operation` after a warm-up call: each repetition spends half its budget timing one call
/// at a time (latencies) and half timing batches of calls (events/s). Single-threaded by design:
/// the figures are per core.
func measure(_ budget: Budget, _ operation: () -> Void) -> Sample {
    operation()
    var phase = budget
    phase.duration = budget.duration / 2
    phase.ceiling = budget.ceiling / 2
    var samples: [Sample] = []
    for _ in 0..<budget.repetitions {
        let latencies = timeEach(phase, operation)
        let median = max(latencies[latencies.count / 2], 1)
        let batched = timeBatches(phase, size: max(1, Int(1_000_000 / median)), operation)
        samples.append(Sample(latencies: latencies, batchedEvents: batched.events, batchedElapsed: batched.elapsed))
    }
    return samples.sorted { $0.eventsPerSecond < $1.eventsPerSecond }[samples.count / 2]
}

/// The latency of each call, in nanoseconds, sorted.
private func timeEach(_ phase: Budget, _ operation: () -> Void) -> [Int64] {
    var latencies: [Int64] = []
    latencies.reserveCapacity(1 << 16)
    let start = threadCPUTime()
    var now = start
    while true {
        let before = now
        operation()
        now = threadCPUTime()
        latencies.append(now - before)
        if phase.isSpent(after: .nanoseconds(now - start), calls: latencies.count) { return latencies.sorted() }
    }
}

/// Calls made in batches of `size` with one clock read per batch, and the time they took.
private func timeBatches(_ phase: Budget, size: Int, _ operation: () -> Void) -> (events: Int, elapsed: Duration) {
    var events = 0
    let start = threadCPUTime()
    while true {
        for _ in 0..<size { operation() }
        events += size
        let elapsed = Duration.nanoseconds(threadCPUTime() - start)
        if phase.isSpent(after: elapsed, calls: events) { return (events, elapsed) }
    }
}

extension Budget {
    func isSpent(after elapsed: Duration, calls: Int) -> Bool {
        elapsed >= ceiling || (elapsed >= duration && calls >= minimumIterations)
    }
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
