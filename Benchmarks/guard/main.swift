import Foundation
import PalisadeLocal

// Prints one table: the cost of an allowed exec, open and connect with and without the behaviour guard
// (preload library + agent), and the cold start of Python and Node.js with and without the guard
// (preload library + in-process hook). One run; scripts/bench-guard builds what it needs first.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path
let agent = option("--agent", repository + "/.build/release/palisade-agent")
let harness = option("--harness", repository + "/.build/guard-bench/guard-bench")
let operations = Int(option("--operations", "2000")) ?? 2000
let starts = Int(option("--starts", "21")) ?? 21
let rounds = Int(option("--rounds", "5")) ?? 5
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-guard-\(getpid())").path
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }
// Compiled as the layer ships it.
let library = scratch + "/" + GuardLibrary.fileName
try GuardLibrary.build(source: repository + "/" + GuardLibrary.sourcePath, output: library)

/// Runs a command to completion with extra variables; its stdout, or nil when it failed.
func run(_ command: [String], environment: [String: String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PALISADE_") }.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
}


// The guard's agent, as `palisade run` starts it: emulator, extension, runtime (a no-op Python function)
// and a policy that allows the benchmark's programs. Its guard socket serves the harness directly.
let policy = scratch + "/policy.json"
try #"{"version": 1, "mode": "mitigate", "behaviour": {"processes": {"mode": "mitigate", "allow": ["^/bin/true$", "^\\S*guard-bench (?:spawn|exec|open|connect) [0-9]+(?: \\S+)?$", "^\\S*/exit-static$", "^\\S*python3[0-9.]* -c import ", "^node -e require"]}}}"#.write(toFile: policy, atomically: true, encoding: .utf8)
let function = LocalFunction(runtime: .python, directory: repository + "/Examples/functions/python", handler: "app.noop", name: "bench-guard")
let local = try await LocalEnvironment.start(function, options: .init(agent: agent, environment: ["PALISADE_POLICY_FILE": policy], logFile: scratch + "/log.txt", guardLibrary: library))
// The guard judges operations once the first invocation has begun (the runtime's own start is not judged).
_ = await local.invoke(Array(#"{"path": "/"}"#.utf8))
let socket = local.workDirectory + "/state/guard.sock"
let layer = scratch + "/layer"
try LayerFiles.writeInProcessHooks(under: layer)
let guardedEnvironment = [
    "LD_PRELOAD": library, "PALISADE_GUARD_SOCKET": socket,
    "PYTHONPATH": layer + "/palisade/python", "NODE_OPTIONS": "--require " + layer + "/" + LayerFiles.nodeHookPath,
]
guard FileManager.default.fileExists(atPath: socket) else {
    FileHandle.standardError.write(Data("the agent opened no guard socket at \(socket)\n".utf8))
    exit(1)
}

/// Runs the C harness once; its median µs per operation.
func harnessMedian(_ arguments: [String], guarded: Bool) -> Double? {
    run([harness] + arguments, environment: guarded ? guardedEnvironment : [:]).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}

/// Wall and CPU (user + system) milliseconds of one run of `command`, its output discarded.
func timedRun(_ command: [String], environment: [String: String]) -> (wall: Double, cpu: Double)? {
    let variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PALISADE_") }.merging(environment) { $1 }
    let argv = command.map { strdup($0) } + [nil]
    let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let start = ContinuousClock.now
    var pid: pid_t = 0
    guard posix_spawnp(&pid, command[0], &actions, nil, argv, envp) == 0 else { return nil }
    var status: Int32 = 0
    var usage = rusage()
    guard wait4(pid, &status, 0, &usage) == pid, status == 0 else { return nil }
    let elapsed = ContinuousClock.now - start
    let wall = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
    return (wall, cpu)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
/// The middle half of `values` (25th to 75th percentile): how much a row moved between alternating pairs.
func middleHalf(_ values: [Double]) -> (Double, Double) {
    let sorted = values.sorted()
    return (sorted[sorted.count / 4], sorted[(sorted.count * 3) / 4])
}
func format(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "failed" }

var rows: [(String, String, String, String, String)] = []
// Each operation: `rounds` harness runs without and with the guard, alternating, so that a busy moment
// of the machine hits both; each run's median per operation, then the median of the runs.
let tiny = option("--tiny", repository + "/.build/guard-bench/exit-static")
let measured: [(String, [String])] = [
    ("spawn, static program", ["spawn", String(max(operations / 10, 50)), tiny]),
    ("fork+exec, static prog.", ["exec", String(max(operations / 10, 50)), tiny]),
    ("spawn /bin/true", ["spawn", String(max(operations / 20, 25)), "/bin/true"]),
    ("open", ["open", String(operations * 5)]),
    ("connect", ["connect", String(operations)]),
]
for (name, arguments) in measured {
    var plain: [Double] = []
    var withGuard: [Double] = []
    var differences: [Double] = []
    for _ in 0..<rounds {
        let without = harnessMedian(arguments, guarded: false)
        let with = harnessMedian(arguments, guarded: true)
        if let without { plain.append(without) }
        if let with { withGuard.append(with) }
        if let pair = zip2(without, with) { differences.append(pair.1 - pair.0) }
    }
    let p = plain.isEmpty ? nil : median(plain)
    let g = withGuard.isEmpty ? nil : median(withGuard)
    let added = zip2(p, g).map { String(format: "%+.1f µs", $0.1 - $0.0) } ?? "failed"
    let spread = differences.isEmpty ? "" : String(format: "%+.1f to %+.1f µs", middleHalf(differences).0, middleHalf(differences).1)
    rows.append(("\(name) (µs/op)", format(p), format(g), added, spread))
}

let python = run(["python3", "-c", "import sys; print(sys.executable)"], environment: [:])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "python3"
// Node.js runs a script file, as Lambda's runtime loads its own files and the handler's: `node -e` with
// built-in modules alone loads no file, and would charge the hook's `--require` with Node's one-time
// cost of loading the first module file (about 3 % of this start, measured with an empty module).
let nodeScript = scratch + "/app.js"
try #"require("http");require("https");require("child_process");require("fs");require("crypto");require("zlib");"#.write(toFile: nodeScript, atomically: true, encoding: .utf8)
let coldStarts: [(String, [String])] = [
    // The interpreter itself, not a version manager's shim script.
    ("Python", [python, "-c", "import json, os, subprocess, urllib.request, sqlite3, ssl, email"]),
    ("Node.js", ["node", nodeScript]),
]
for (name, command) in coldStarts {
    var plain: [(wall: Double, cpu: Double)] = []
    var withGuard: [(wall: Double, cpu: Double)] = []
    for _ in 0..<starts {
        if let time = timedRun(command, environment: [:]) { plain.append(time) }
        if let time = timedRun(command, environment: guardedEnvironment) { withGuard.append(time) }
    }
    guard !plain.isEmpty, !withGuard.isEmpty else {
        rows.append(("\(name) cold start (ms)", "failed", "failed", "", ""))
        continue
    }
    for (label, value) in [("cold start (ms)", { (time: (wall: Double, cpu: Double)) in time.wall }), ("start CPU (ms)", { $0.cpu })] {
        let (p, g) = (median(plain.map(value)), median(withGuard.map(value)))
        let pairs = zip(plain, withGuard).map { (value($0.1) - value($0.0)) / p * 100 }
        let (low, high) = middleHalf(pairs)
        let spread = String(format: "%+.1f to %+.1f %%", low, high)
        rows.append(("\(name) \(label)", String(format: "%.1f", p), String(format: "%.1f", g), String(format: "%+.1f %%", (g - p) / p * 100), spread))
    }
}
await local.stop()

func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
print("Behaviour guard overhead (medians: per operation over \(rounds) alternating runs, \(starts) alternating starts;")
print("spread: the middle half of the differences between a run or start with the guard and the one before it without)")
print(pad("", 32) + pad("without guard", 15) + pad("with guard", 13) + pad("added", 12) + "spread")
for row in rows {
    print(pad(row.0, 32) + pad(row.1, 15) + pad(row.2, 13) + pad(row.3, 12) + row.4)
}
