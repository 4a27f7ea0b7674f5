import Foundation
import PalisadeLocal

// Prints one table: added latency per invocation (p50/p99), time from start to the runtime's first
// `next`, the agent's memory, and the layer's size. One run, both setups side by side.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path
let agent = option("--agent", repository + "/" + LayerBuilder.staticAgentPath)
let invocations = Int(option("--invocations", "10000")) ?? 10_000
let starts = Int(option("--starts", "5")) ?? 5
let function = LocalFunction(runtime: .python, directory: repository + "/Examples/functions/python", handler: "app.noop", name: "bench-noop")
let event = Array(#"{"resource":"/","path":"/","httpMethod":"GET","headers":{"Host":"api.example.com"},"queryStringParameters":{"id":"42","q":"shoes"},"requestContext":{"identity":{"sourceIp":"203.0.113.9"}},"body":null,"isBase64Encoded":false}"#.utf8)

guard FileManager.default.isExecutableFile(atPath: agent) else {
    FileHandle.standardError.write(Data("no agent at \(agent): run `swift build \(LayerBuilder.staticBuildArguments.joined(separator: " "))` first\n".utf8))
    exit(1)
}

struct Measurement {
    var latencies: [Duration] = []
    var startups: [Duration] = []
    var agentRSSKilobytes: Int?

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

func measure(withAgent: Bool) async throws -> Measurement {
    var measurement = Measurement()
    let options = LocalEnvironment.Options(agent: withAgent ? agent : nil, environment: ["PALISADE_MODE": "mitigate"], logFile: "/dev/null")
    for _ in 0..<starts {
        let local = try await LocalEnvironment.start(function, options: options)
        if let startup = local.timeToFirstNext { measurement.startups.append(startup) }
        await local.stop()
    }
    let local = try await LocalEnvironment.start(function, options: options)
    for _ in 0..<200 { _ = await local.invoke(event) }
    measurement.latencies.reserveCapacity(invocations)
    let clock = ContinuousClock()
    for _ in 0..<invocations {
        let started = clock.now
        _ = await local.invoke(event)
        measurement.latencies.append(clock.now - started)
    }
    measurement.agentRSSKilobytes = local.agentProcessID.flatMap(residentKilobytes)
    await local.stop()
    return measurement
}

func milliseconds(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(format: "%.3f ms", value)
}

let direct = try await measure(withAgent: false)
let protected = try await measure(withAgent: true)
let zip = FileManager.default.temporaryDirectory.appendingPathComponent("bench-layer.zip").path
let layer = try LayerBuilder().build(agent: agent, output: zip)
try? FileManager.default.removeItem(atPath: zip)

let rows: [(String, String, String, String, String)] = [
    ("latency p50 (\(invocations) no-op invocations)", milliseconds(direct.percentile(0.5)), milliseconds(protected.percentile(0.5)), milliseconds(protected.percentile(0.5) - direct.percentile(0.5)), "≤ 0.2 ms"),
    ("latency p99", milliseconds(direct.percentile(0.99)), milliseconds(protected.percentile(0.99)), milliseconds(protected.percentile(0.99) - direct.percentile(0.99)), "≤ 1 ms"),
    ("start to first next (median of \(starts))", milliseconds(direct.medianStartup), milliseconds(protected.medianStartup), milliseconds(protected.medianStartup - direct.medianStartup), "≤ 15 ms"),
    ("agent RSS after the run", "-", protected.agentRSSKilobytes.map { String(format: "%.1f MB", Double($0) / 1024) } ?? "?", "", "≤ 15 MB"),
    ("layer zip (agent stripped)", "-", String(format: "%.1f MB (%.1f MB)", Double(layer.zipBytes) / 1_048_576, Double(layer.agentBytes) / 1_048_576), "", ""),
]
print("| measure | direct | through agent | added | goal |")
print("|---|---|---|---|---|")
for row in rows { print("| \(row.0) | \(row.1) | \(row.2) | \(row.3) | \(row.4) |") }
