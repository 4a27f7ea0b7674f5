import Foundation
import PalisadeDetect

/// Speed of Palisade's detection core beside libmodsecurity3 + OWASP CRS PL1, one core, one event
/// at a time. The table goes to stdout; progress goes to stderr so the table can be piped as is.
///
///     swift run -c release DetectBenchmark [--quick]
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

func run(quick: Bool) throws(BenchmarkError) {
    let workloads = Workloads.all()
    let detector = Detector(options: DetectorOptions())
    progress("compiling ModSecurity + CRS rules…")
    let modSecurity = try ModSecurity()
    var rows: [Row] = []
    var warnings: [String] = []

    for workload in workloads {
        progress("\(workload.name): \(workload.event.count) event bytes")
        let palisadeVerdict: Verdict
        do {
            palisadeVerdict = try detector.inspect(event: workload.event)
        } catch {
            throw BenchmarkError("Palisade rejected the \(workload.name) event: \(error)")
        }
        let request = PreparedRequest(workload.request)
        let modSecurityResult: ModSecurityResult
        let deadline = Budget.modSecurityDeadline(quick: quick)
        if try modSecurity.finishes(request, within: deadline) {
            let (status, log) = modSecurity.explain(request)
            warnings += sanityWarnings(workload, palisade: palisadeVerdict.isAttack, modSecurityStatus: status, modSecurityLog: log)
            let sample = measure(.modSecurity(quick: quick)) {
                consume(modSecurity.inspect(request))
            }
            modSecurityResult = .measured(sample, status: status)
        } else {
            progress("  ModSecurity did not finish one request within \(deadline) s")
            modSecurityResult = .timedOut(after: deadline)
        }

        let palisade = measure(.palisade(quick: quick)) {
            consume(try? detector.inspect(event: workload.event))
        }
        rows.append(Row(
            workload: workload,
            httpBytes: request.byteCount,
            palisade: palisade,
            palisadeFlagged: palisadeVerdict.isAttack,
            modSecurity: modSecurityResult,
            memchrBytesPerSecond: memchrBytesPerSecond(workload.event, duration: Budget.memchr(quick: quick))
        ))
    }

    let report = Report(
        rows: rows,
        environment: Environment.describe(modSecurity: modSecurity.version, crs: ModSecurity.crsVersion),
        quick: quick,
        warnings: warnings
    )
    print(report.markdown)
}

/// ModSecurity must block the attack row and pass the benign ones, or its figures measure a
/// misconfiguration; Palisade is held to the same rows so a missing engine shows.
func sanityWarnings(_ workload: Workload, palisade: Bool, modSecurityStatus: Int32, modSecurityLog: String?) -> [String] {
    var warnings: [String] = []
    switch workload.expected {
    case .attack:
        if modSecurityStatus != 403 {
            warnings.append("ModSecurity did not block \"\(workload.name)\" (status \(modSecurityStatus)): its rules are not evaluated as configured.")
        }
        if !palisade { warnings.append("Palisade did not flag \"\(workload.name)\".") }
    case .benign:
        if modSecurityStatus != 0 {
            warnings.append("ModSecurity blocked benign \"\(workload.name)\" (status \(modSecurityStatus)): \(modSecurityLog ?? "no message")")
        }
        if palisade { warnings.append("Palisade flagged benign \"\(workload.name)\".") }
    case .either:
        break
    }
    return warnings
}

let arguments = CommandLine.arguments.dropFirst()
if let unknown = arguments.first(where: { $0 != "--quick" }) {
    progress("usage: DetectBenchmark [--quick]   (unknown argument \(unknown))")
    exit(2)
}
do {
    try run(quick: arguments.contains("--quick"))
} catch {
    progress("error: \(error)")
    exit(1)
}
