import Foundation
import PalisadeDetect
import PalisadeLocal

// Prints one table: added latency per invocation (p50/p99), time from start to the runtime's first
// `next`, the agent's memory, and the layer's size. One run, both setups side by side.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path
let builtAgent = option("--agent", repository + "/" + LayerBuilder.staticAgentPath)
let invocations = Int(option("--invocations", "10000")) ?? 10_000
let starts = Int(option("--starts", "5")) ?? 5
let function = LocalFunction(runtime: .python, directory: repository + "/Examples/functions/python", handler: "app.noop", name: "bench-noop")
let event = Array(#"{"resource":"/","path":"/","httpMethod":"GET","headers":{"Host":"api.example.com"},"queryStringParameters":{"id":"42","q":"shoes"},"requestContext":{"identity":{"sourceIp":"203.0.113.9"}},"body":null,"isBase64Encoded":false}"#.utf8)

guard FileManager.default.isExecutableFile(atPath: builtAgent) else {
    FileHandle.standardError.write(Data("no agent at \(builtAgent): run `swift build \(LayerBuilder.staticBuildArguments.joined(separator: " "))` first\n".utf8))
    exit(1)
}
// Measured as it ships: the stripped binary out of the layer.
let layerZip = FileManager.default.temporaryDirectory.appendingPathComponent("bench-layer-\(getpid()).zip").path
let layerFolder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-layer-\(getpid())").path
let layer = try LayerBuilder().build(agent: builtAgent, output: layerZip)
try LayerBuilder.run("/usr/bin/env", ["unzip", "-q", "-o", layerZip, "-d", layerFolder])
let agent = layerFolder + "/" + LayerFiles.agentPath


struct Measurement {
    var latencies: [Duration] = []
    var startups: [Duration] = []
    var registrations: [Duration] = []
    var agentRSSKilobytes: Int?
    /// The agent's own CPU time (user + system) per measured invocation: what the proxy costs when
    /// the machine is not shared.
    var agentCPUPerInvocation: Duration?

    func percentile(_ fraction: Double) -> Duration {
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    var medianStartup: Duration { startups.sorted()[startups.count / 2] }
}

func residentKilobytes(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
    return Int(line.split(separator: " ").dropFirst().first ?? "")
}

/// User + system CPU time of a process so far, from /proc (clock ticks of 10 ms).
func cpuTime(_ pid: Int32) -> Duration? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
    return .milliseconds((user + system) * 10)
}

func options(_ mode: String?) -> LocalEnvironment.Options {
    LocalEnvironment.Options(agent: mode == nil ? nil : agent, environment: ["PALISADE_MODE": mode ?? "off"], logFile: "/dev/null")
}

/// The three setups take turns, start by start and invocation by invocation, so a change in the
/// machine's load while the benchmark runs falls on all of them alike.
func measure(modes: [String?]) async throws -> [Measurement] {
    var measurements = [Measurement](repeating: Measurement(), count: modes.count)
    for _ in 0..<starts {
        for (index, mode) in modes.enumerated() {
            let local = try await LocalEnvironment.start(function, options: options(mode))
            if let startup = local.timeToFirstNext { measurements[index].startups.append(startup) }
            if let registration = local.agentRegistration { measurements[index].registrations.append(registration) }
            await local.stop()
        }
    }
    var environments: [LocalEnvironment] = []
    for mode in modes { environments.append(try await LocalEnvironment.start(function, options: options(mode))) }
    for local in environments {
        for _ in 0..<200 { _ = await local.invoke(event) }
    }
    let cpuBefore = environments.map { $0.agentProcessID.flatMap(cpuTime) }
    let clock = ContinuousClock()
    for index in measurements.indices { measurements[index].latencies.reserveCapacity(invocations) }
    for _ in 0..<invocations {
        for (index, local) in environments.enumerated() {
            let started = clock.now
            _ = await local.invoke(event)
            measurements[index].latencies.append(clock.now - started)
        }
    }
    for (index, local) in environments.enumerated() {
        if let before = cpuBefore[index], let after = local.agentProcessID.flatMap(cpuTime) {
            measurements[index].agentCPUPerInvocation = (after - before) / invocations
        }
        await local.stop()
    }
    // Memory with one agent alive, as in a Lambda sandbox: two agents would share the binary's
    // pages, which the kernel then keeps mapped in both.
    for (index, mode) in modes.enumerated() where mode != nil {
        let local = try await LocalEnvironment.start(function, options: options(mode))
        for _ in 0..<1000 { _ = await local.invoke(event) }
        measurements[index].agentRSSKilobytes = local.agentProcessID.flatMap(residentKilobytes)
        await local.stop()
    }
    return measurements
}

func milliseconds(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(format: "%.3f ms", value)
}

/// Detection alone, in this process: what each event costs the agent before the function sees it.
func detectionTime(categories: Set<AttackCategory>) -> Duration {
    var options = DetectorOptions()
    options.categories = categories
    let detector = Detector(options: options)
    let clock = ContinuousClock()
    let started = clock.now
    for _ in 0..<invocations { _ = try? detector.inspect(event: event) }
    return (clock.now - started) / invocations
}
/// Building a detector (the rule pack's automaton and rules; each pattern compiles when it first runs):
/// the CPU the agent spends at start.
func compileTime() -> Duration {
    let clock = ContinuousClock()
    let started = clock.now
    _ = Detector(options: DetectorOptions())
    return clock.now - started
}
let ruleCompile = compileTime()
let detectionOff = detectionTime(categories: [])
let detectionAll = detectionTime(categories: Set(AttackCategory.allCases))

let measured = try await measure(modes: [nil, "off", "mitigate"])
let (direct, proxyOnly, protected) = (measured[0], measured[1], measured[2])

func added(_ measure: (Measurement) -> Duration, _ setup: Measurement) -> String {
    milliseconds(measure(setup) - measure(direct))
}
func rss(_ setup: Measurement) -> String {
    setup.agentRSSKilobytes.map { String(format: "%.1f MB", Double($0) / 1024) } ?? "?"
}

let p50 = { (setup: Measurement) in setup.percentile(0.5) }
let p99 = { (setup: Measurement) in setup.percentile(0.99) }
let startup = { (setup: Measurement) in setup.medianStartup }
let rows: [[String]] = [
    ["latency p50 (\(invocations) no-op invocations)", milliseconds(p50(direct)), milliseconds(p50(proxyOnly)), milliseconds(p50(protected)), added(p50, proxyOnly) + " / " + added(p50, protected), "≤ 0.2 ms"],
    ["latency p99", milliseconds(p99(direct)), milliseconds(p99(proxyOnly)), milliseconds(p99(protected)), added(p99, proxyOnly) + " / " + added(p99, protected), "≤ 1 ms"],
    ["start to first next (median of \(starts))", milliseconds(startup(direct)), milliseconds(startup(proxyOnly)), milliseconds(startup(protected)), added(startup, proxyOnly) + " / " + added(startup, protected), "≤ 15 ms"],
    ["agent launch to registration (median)", "-", proxyOnly.registrations.sorted().dropFirst(proxyOnly.registrations.count / 2).first.map(milliseconds) ?? "?", protected.registrations.sorted().dropFirst(protected.registrations.count / 2).first.map(milliseconds) ?? "?", "", ""],
    ["agent CPU per invocation", "-", proxyOnly.agentCPUPerInvocation.map(milliseconds) ?? "?", protected.agentCPUPerInvocation.map(milliseconds) ?? "?", "", ""],
    ["rule pack build (in-process, all categories)", "-", "", milliseconds(ruleCompile), "", ""],
    ["detection per event (in-process)", "-", milliseconds(detectionOff), milliseconds(detectionAll), "", ""],
    ["agent RSS (alone, after 1,000 invocations)", "-", rss(proxyOnly), rss(protected), "", "≤ 15 MB"],
    ["layer zip (agent stripped)", "-", "", String(format: "%.1f MB (%.1f MB)", Double(layer.zipBytes) / 1_048_576, Double(layer.agentBytes) / 1_048_576), "", ""],
]
print("| measure | direct | agent, protections off | agent, mitigate | added (off / mitigate) | goal |")
print("|---|---|---|---|---|---|")
for row in rows { print("| " + row.joined(separator: " | ") + " |") }
try? FileManager.default.removeItem(atPath: layerZip)
try? FileManager.default.removeItem(atPath: layerFolder)
