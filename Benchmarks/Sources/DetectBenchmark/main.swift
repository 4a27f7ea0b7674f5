import Foundation
import PalisadeDetect

// Speed of Palisade's detection core beside libmodsecurity3 + OWASP CRS PL1, one core, one event
// at a time. The table goes to stdout; progress goes to stderr so the table can be piped as is.
//
//     swift run -c release DetectBenchmark [--quick]

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func progress(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Keeps a result alive so the optimiser cannot drop the call that produced it.
@inline(never)
func consume<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

func run(quick: Bool, palisadeOnly: Bool, withoutCRS: Bool, only: String?) throws(BenchmarkError) {
    let loadAtStart = Environment.loadAverage
    let detector = Detector(options: withoutCRS ? withoutCRSRules() : DetectorOptions())
    var forgetting = detector.options
    forgetting.rememberCleanKeys = false
    let judgingEveryKey = Detector(options: forgetting)
    progress("compiling ModSecurity + CRS rules…")
    let modSecurity = try ModSecurity()
    var rows: [Row] = []
    var warnings: [String] = []

    for workload in Workloads.all() where only.map({ workload.name.contains($0) }) ?? true {
        progress("\(workload.name): \(workload.event.count) event bytes")
        let request = PreparedRequest(workload.request)
        var row = Row(
            workload: workload,
            httpBytes: request.byteCount,
            palisade: try measurePalisade(detector, on: workload, quick: quick, warnings: &warnings),
            modSecurity: palisadeOnly ? .skipped : try measureModSecurity(modSecurity, on: workload, request: request, quick: quick, warnings: &warnings),
            memchrBytesPerSecond: memchrBytesPerSecond(workload.event, duration: Budget.memchr(quick: quick))
        )
        // Its sanity warnings would repeat the row's own.
        var repeated: [String] = []
        if case .measured = row.palisade, case .measured(let sample, _) = try measurePalisade(judgingEveryKey, on: workload, quick: quick, warnings: &repeated) {
            row.palisadeJudgingEveryKey = sample
        }
        if case .timedOut = row.palisade {
            // Tells whether the time goes to the CRS pack or to Palisade's own detectors.
            progress("  retrying Palisade without the CRS rule pack")
            let ownDetectors = Detector(options: withoutCRSRules())
            if case .measured(let sample, _) = try measurePalisade(ownDetectors, on: workload, quick: quick, warnings: &warnings) {
                row.palisadeWithoutCRS = sample
            }
        }
        rows.append(row)
    }

    let report = Report(
        rows: rows,
        environment: Environment.describe(modSecurity: modSecurity.version, crs: ModSecurity.crsVersion),
        load: (loadAtStart, Environment.loadAverage),
        quick: quick,
        warnings: warnings
    )
    print(report.markdown)
}

func measurePalisade(_ detector: Detector, on workload: Workload, quick: Bool, warnings: inout [String]) throws(BenchmarkError) -> Outcome {
    let deadline = Budget.deadline(quick: quick)
    guard try finishes(within: deadline, { consume(try? detector.inspect(event: workload.event)) }) else {
        progress("  Palisade did not finish one event within \(deadline) s of CPU time")
        warnings.append("Palisade\(detector.options.crsRules ? "" : " without the CRS pack") did not finish \"\(workload.name)\" within \(deadline) s of CPU time.")
        return .timedOut(after: deadline)
    }
    let verdict: Verdict
    do {
        verdict = try detector.inspect(event: workload.event)
    } catch {
        throw BenchmarkError("Palisade rejected the \(workload.name) event: \(error)")
    }
    if detector.options.crsRules {
        warnings += sanityWarnings(workload, engine: "Palisade", blocked: verdict.isAttack, detail: nil)
    }
    let sample = measure(.palisade(quick: quick)) {
        consume(try? detector.inspect(event: workload.event))
    }
    return .measured(sample, verdict: verdict.isAttack ? "attack" : "pass")
}

func measureModSecurity(_ modSecurity: ModSecurity, on workload: Workload, request: PreparedRequest, quick: Bool, warnings: inout [String]) throws(BenchmarkError) -> Outcome {
    let deadline = Budget.deadline(quick: quick)
    guard try finishes(within: deadline, { consume(modSecurity.inspect(request)) }) else {
        progress("  ModSecurity did not finish one request within \(deadline) s of CPU time")
        return .timedOut(after: deadline)
    }
    let (status, log) = modSecurity.explain(request)
    // Only a 403 from CRS's blocking evaluation counts as catching the attack row.
    let blocked = workload.expected == .attack ? status == 403 : status != 0
    warnings += sanityWarnings(workload, engine: "ModSecurity", blocked: blocked, detail: log)
    let sample = measure(.modSecurity(quick: quick)) {
        consume(modSecurity.inspect(request))
    }
    return .measured(sample, verdict: status == 0 ? "pass" : String(status))
}

/// Palisade's own detectors only, for rows where the full detector times out.
func withoutCRSRules() -> DetectorOptions {
    var options = DetectorOptions()
    options.crsRules = false
    return options
}

/// ModSecurity must block the attack row with 403 and pass the benign ones, or its figures measure
/// a misconfiguration; Palisade is held to the same rows so a missing or wrong engine shows.
func sanityWarnings(_ workload: Workload, engine: String, blocked: Bool, detail: String?) -> [String] {
    switch workload.expected {
    case .attack where !blocked:
        ["\(engine) did not flag the attack in \"\(workload.name)\"."]
    case .benign where blocked:
        ["\(engine) flagged benign \"\(workload.name)\"" + (detail.map { ": \($0)" } ?? ".")]
    default:
        []
    }
}

// `--findings EVENTS.jsonl` prints every event's findings instead (FindingsDump.swift), and
// `--events EVENTS.jsonl ROUNDS` times Palisade alone over the events of a file, and
// `--varied-checkouts ROUNDS` over checkout events whose values vary (EventTiming.swift).
// `--palisade-only` skips ModSecurity and `--only TEXT` keeps the rows whose name contains TEXT:
// `--no-crs` measures Palisade with the CRS pack off (its own detectors' cost). All three are for
// profiling and quick iteration, not for the published table.
var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.count == 2, arguments[0] == "--findings" {
    do {
        try dumpFindings(eventsFile: arguments[1])
        exit(0)
    } catch {
        progress("error: \(error)")
        exit(1)
    }
}
if arguments.count == 3, arguments[0] == "--events", let rounds = Int(arguments[2]), rounds > 0 {
    do {
        try timeEvents(file: arguments[1], rounds: rounds)
        exit(0)
    } catch {
        progress("error: \(error)")
        exit(1)
    }
}
if arguments.count == 2, arguments[0] == "--varied-checkouts", let rounds = Int(arguments[1]), rounds > 0 {
    timeVariedCheckouts(rounds: rounds)
    exit(0)
}
var only: String?
if let flag = arguments.firstIndex(of: "--only"), flag + 1 < arguments.count {
    only = arguments[flag + 1]
    arguments.removeSubrange(flag...(flag + 1))
}
if let unknown = arguments.first(where: { !["--quick", "--palisade-only", "--no-crs"].contains($0) }) {
    progress("usage: DetectBenchmark [--quick] [--palisade-only] [--no-crs] [--only TEXT] | --findings EVENTS.jsonl | --events EVENTS.jsonl ROUNDS | --varied-checkouts ROUNDS   (unknown argument \(unknown))")
    exit(2)
}
do {
    try run(quick: arguments.contains("--quick"), palisadeOnly: arguments.contains("--palisade-only"), withoutCRS: arguments.contains("--no-crs"), only: only)
} catch {
    progress("error: \(error)")
    exit(1)
}
