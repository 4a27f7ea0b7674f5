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
let starts = Int(option("--starts", "15")) ?? 15
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

/// Median wall time of `command`, started `starts` times, alternating with the other setup's runs by the caller.
func wallTime(_ command: [String], environment: [String: String]) -> Double? {
    let start = ContinuousClock.now
    guard run(command, environment: environment) != nil else { return nil }
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

// The guard's agent, as `palisade run` starts it: emulator, extension, runtime (a no-op Python function)
// and a policy that allows the benchmark's programs. Its guard socket serves the harness directly.
let policy = scratch + "/policy.json"
try #"{"version": 1, "mode": "mitigate", "behaviour": {"processes": {"mode": "mitigate", "allow": ["^/bin/true$", "^\\S*guard-bench (?:exec|open|connect) [0-9]+$", "^\\S*python3[0-9.]* -c import ", "^node -e require"]}}}"#.write(toFile: policy, atomically: true, encoding: .utf8)
let function = LocalFunction(runtime: .python, directory: repository + "/Examples/functions/python", handler: "app.noop", name: "bench-guard")
let local = try await LocalEnvironment.start(function, options: .init(agent: agent, environment: ["PALISADE_POLICY_FILE": policy], logFile: scratch + "/log.txt", guardLibrary: library))
// The guard judges operations once the first invocation has begun (the runtime's own start is not judged).
_ = await local.invoke(Array(#"{"path": "/"}"#.utf8))
let socket = local.workDirectory + "/state/guard.sock"
let layer = scratch + "/layer"
try LayerFiles.writeInProcessHooks(under: layer)
let guarded = [
    "LD_PRELOAD": library, "PALISADE_GUARD_SOCKET": socket,
    "PYTHONPATH": layer + "/palisade/python", "NODE_OPTIONS": "--require " + layer + "/" + LayerFiles.nodeHookPath,
]
guard FileManager.default.fileExists(atPath: socket) else {
    FileHandle.standardError.write(Data("the agent opened no guard socket at \(socket)\n".utf8))
    exit(1)
}

var rows: [(String, String, String, String)] = []
for (name, count) in [("exec", max(operations / 10, 50)), ("open", operations * 5), ("connect", operations)] {
    let plain = run([harness, name, String(count)], environment: [:]).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    let withGuard = run([harness, name, String(count)], environment: guarded).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    let added = zip2(plain, withGuard).map { String(format: "%+.1f µs", $0.1 - $0.0) } ?? "failed"
    rows.append(("\(name) (µs/op)", plain.map { String(format: "%.1f", $0) } ?? "failed", withGuard.map { String(format: "%.1f", $0) } ?? "failed", added))
}

let python = run(["python3", "-c", "import sys; print(sys.executable)"], environment: [:])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "python3"
let coldStarts: [(String, [String])] = [
    // The interpreter itself, not a version manager's shim script.
    ("Python cold start (ms)", [python, "-c", "import json, os, subprocess, urllib.request, sqlite3, ssl, email"]),
    ("Node.js cold start (ms)", ["node", "-e", #"require("http");require("https");require("child_process");require("fs");require("crypto");require("zlib")"#]),
]
for (name, command) in coldStarts {
    var plain: [Double] = []
    var withGuard: [Double] = []
    for _ in 0..<starts {
        if let time = wallTime(command, environment: [:]) { plain.append(time) }
        if let time = wallTime(command, environment: guarded) { withGuard.append(time) }
    }
    guard !plain.isEmpty, !withGuard.isEmpty else {
        rows.append((name, "failed", "failed", ""))
        continue
    }
    let (p, g) = (median(plain), median(withGuard))
    rows.append((name, String(format: "%.1f", p), String(format: "%.1f", g), String(format: "%+.1f %%", (g - p) / p * 100)))
}
await local.stop()

func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
print("Behaviour guard overhead (\(operations) ops, median of \(starts) starts; one run on this machine)")
print(pad("", 26) + pad("without guard", 15) + pad("with guard", 13) + "added")
for row in rows {
    print(pad(row.0, 26) + pad(row.1, 15) + pad(row.2, 13) + row.3)
}
