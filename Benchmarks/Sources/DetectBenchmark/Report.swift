import Foundation

/// Everything measured for one workload.
struct Row {
    var workload: Workload
    var httpBytes: Int
    var palisade: Outcome
    var modSecurity: Outcome
    var memchrBytesPerSecond: Double
    /// Measured only when `palisade` timed out: the same event with the CRS rule pack off.
    var palisadeWithoutCRS: Sample? = nil
    /// The same event with `rememberCleanKeys` off: what it costs as a function's first event.
    var palisadeJudgingEveryKey: Sample? = nil
}

/// The machine and library versions, for the line above the table.
enum Environment {
    static func describe(modSecurity: String, crs: String) -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n")
            .first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        var system = utsname()
        uname(&system)
        let kernel = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return "\(cpu), \(cores) cores (shared), Linux \(kernel), \(swiftVersion) -c release, \(modSecurity), \(crs) at PL1"
    }

    /// The one-minute load average, to show how busy the shared machine was.
    static var loadAverage: String {
        let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)
        return text?.split(separator: " ").first.map(String.init) ?? "?"
    }

    static var swiftVersion: String {
        #if compiler(>=6.4)
        "Swift 6.4+"
        #elseif compiler(>=6.3)
        "Swift 6.3"
        #else
        "Swift 6.x"
        #endif
    }
}

/// The markdown table with its header line and footnotes.
struct Report {
    var rows: [Row]
    var environment: String
    /// One-minute load averages when the run started and ended.
    var load: (start: String, end: String)
    var quick: Bool
    var warnings: [String]

    var markdown: String {
        var lines: [String] = []
        let runs = quick ? "--quick smoke run, 1 repetition" : "median of 3 repetitions per cell"
        lines.append("**Detection speed, Palisade vs ModSecurity** — \(environment); single-threaded, one event at a time, timed in thread CPU time; load average \(load.start) → \(load.end); \(runs).")
        lines.append("")
        lines.append("| Workload | Event / HTTP bytes | Palisade events/s | p50 µs | p99 µs | MB/s | ModSecurity events/s | p50 µs | p99 µs | Palisade / ModSecurity | memchr MB/s | Palisade % of memchr | Verdict P / M |")
        lines.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
        var notes: [String] = []
        for row in rows {
            var name = row.workload.name
            if let note = row.workload.modSecurityNote {
                notes.append(note)
                name += " [\(notes.count)]"
            }
            let cells = [name, "\(size(row.workload.event.count)) / \(size(row.httpBytes))"]
                + timingCells(row.palisade) + [palisadeThroughput(row)]
                + timingCells(row.modSecurity) + [ratio(row)]
                + [grouped(row.memchrBytesPerSecond / 1e6), memchrShare(row)]
                + ["\(verdict(row.palisade)) / \(verdict(row.modSecurity))"]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("- Times are the benchmark thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so other work on the shared machine is not counted; on an idle machine wall time agrees. Events/s come from events timed in batches of about 1 ms (reading that clock is a system call, about 0.4 µs, which a read per event would add to each); p50 and p99 from events timed one at a time, so they include one clock read each. A timed-out cell means one inspection used more CPU time than shown (it ran in a child process that was killed). Latency is per event: Palisade's includes parsing the whole Lambda event; ModSecurity's covers a new transaction, URI, headers, body, phases 1-2, intervention check and cleanup. MB/s counts the event bytes Palisade reads (1 MB = 10^6 B); the memchr column is a bare `memchr` pass over the same bytes for an absent byte, the ceiling a scanner can approach.")
        for (index, note) in notes.enumerated() {
            lines.append("- [\(index + 1)] \(note)")
        }
        for row in rows {
            guard let goal = row.workload.goalMicroseconds else { continue }
            let result = switch row.palisade {
            case .measured(let sample, _):
                "\(sample.p50Microseconds <= goal ? "met" : "missed") (\(decimal(sample.p50Microseconds / 1000)) ms)"
            case .timedOut(let seconds):
                "missed (one event took over \(decimal(seconds)) s of CPU time)"
            case .skipped:
                "not measured"
            }
            lines.append("- Goal for \"\(row.workload.name)\": Palisade p50 ≤ \(decimal(goal / 1000)) ms — \(result).")
        }
        for row in rows {
            guard let sample = row.palisadeWithoutCRS else { continue }
            lines.append("- Palisade with the CRS rule pack off (`crsRules = false`) on \"\(row.workload.name)\": \(decimal(sample.eventsPerSecond)) events/s, p50 \(decimal(sample.p50Microseconds)) µs, p99 \(decimal(sample.p99Microseconds)) µs, \(sample.iterations) iterations.")
        }
        let judgingEveryKey = rows.compactMap { row in
            row.palisadeJudgingEveryKey.map { "\(row.workload.name) \(decimal($0.eventsPerSecond)), \(decimal($0.p50Microseconds)) / \(decimal($0.p99Microseconds))" }
        }
        if !judgingEveryKey.isEmpty {
            lines.append("- By default Palisade skips object keys and parameter and header names it found clean in earlier events (a function's events repeat one schema); values are judged in every event. Judging every key afresh (`rememberCleanKeys = false`, what a function's first event costs), events/s and p50 / p99 µs: " + judgingEveryKey.joined(separator: "; ") + ".")
        }
        lines.append("- Iterations (Palisade / ModSecurity): " + rows.map { "\($0.workload.name) \(iterations($0.palisade)) / \(iterations($0.modSecurity))" }.joined(separator: "; ") + ".")
        for warning in warnings {
            lines.append("- **Warning:** \(warning)")
        }
        return lines.joined(separator: "\n")
    }

    /// Events per second, p50 and p99; a timed-out engine gets bounds from its deadline.
    private func timingCells(_ outcome: Outcome) -> [String] {
        switch outcome {
        case .measured(let sample, _):
            [decimal(sample.eventsPerSecond), decimal(sample.p50Microseconds), decimal(sample.p99Microseconds)]
        case .timedOut(let seconds):
            ["< " + decimal(1 / seconds), "> \(decimal(seconds)) s", "> \(decimal(seconds)) s"]
        case .skipped:
            ["—", "—", "—"]
        }
    }

    /// Palisade's event bytes per second; an upper bound when it timed out.
    private func palisadeBytesPerSecond(_ row: Row) -> Double {
        switch row.palisade {
        case .measured(let sample, _): sample.eventsPerSecond * Double(row.workload.event.count)
        case .timedOut(let seconds): Double(row.workload.event.count) / seconds
        case .skipped: 0
        }
    }

    private func palisadeThroughput(_ row: Row) -> String {
        (row.palisade.sample == nil ? "< " : "") + decimal(palisadeBytesPerSecond(row) / 1e6)
    }

    private func memchrShare(_ row: Row) -> String {
        let percent = 100 * palisadeBytesPerSecond(row) / row.memchrBytesPerSecond
        return (row.palisade.sample == nil ? "< " : "") + (percent < 0.1 ? String(format: "%.2g %%", percent) : decimal(percent) + " %")
    }

    /// Palisade's events per second over ModSecurity's, bounded when one side timed out.
    private func ratio(_ row: Row) -> String {
        switch (row.palisade, row.modSecurity) {
        case (.measured(let palisade, _), .measured(let modSecurity, _)):
            "×" + decimal(palisade.eventsPerSecond / modSecurity.eventsPerSecond)
        case (.measured(let palisade, _), .timedOut(let seconds)):
            "> ×" + decimal(palisade.eventsPerSecond * seconds)
        case (.timedOut(let seconds), .measured(let modSecurity, _)):
            "< ×" + decimal(1 / (seconds * modSecurity.eventsPerSecond))
        case (.timedOut, .timedOut), (.skipped, _), (_, .skipped):
            "n/a"
        }
    }

    private func verdict(_ outcome: Outcome) -> String {
        switch outcome {
        case .measured(_, let verdict): verdict
        case .timedOut: "timeout"
        case .skipped: "—"
        }
    }

    private func iterations(_ outcome: Outcome) -> String {
        switch outcome {
        case .measured(let sample, _): String(sample.iterations)
        case .timedOut: "0 (timed out)"
        case .skipped: "0 (skipped)"
        }
    }

    private func size(_ bytes: Int) -> String {
        bytes < 10_000 ? String(bytes) : bytes < 10_000_000 ? "\(bytes >> 10) Ki" : "\(bytes >> 20) Mi"
    }

    /// Three significant digits at most, so columns stay readable from 0.4 µs to 40 ms.
    private func decimal(_ value: Double) -> String {
        switch value {
        case ..<10: String(format: "%.2f", value)
        case ..<100: String(format: "%.1f", value)
        default: grouped(value)
        }
    }

    private func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
