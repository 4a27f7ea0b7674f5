import Foundation
import Testing

/// The agent's commands as a user runs them: the built `palisade` executable, its output and status.
@Suite struct AgentCommandTests {
    static let buildDirectory = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]).deletingLastPathComponent().path
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func palisade(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: buildDirectory + "/palisade")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PALISADE_") }.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test func policyCheckAcceptsAValidPolicyAndShowsAFunctionsModes() throws {
        let (status, output) = try Self.withFile(#"{"mode": "report", "functions": [{"name": "orders-*", "protections": {"sqli": "mitigate"}}]}"#) {
            try Self.palisade(["policy", "check", $0, "--function", "orders-api"])
        }
        #expect(status == 0)
        #expect(output.contains("valid policy (1 function rule(s))"))
        #expect(output.contains("  sqli: mitigate") && output.contains("  xss: report"))
    }

    @Test func policyCheckListsEveryIssueAndFails() throws {
        let (status, output) = try Self.withFile(#"{"mode": "strict", "protections": {"sqlx": "off"}}"#) {
            try Self.palisade(["policy", "check", $0])
        }
        #expect(status == 1)
        #expect(output.contains("policy.unknown_mode at mode"))
        #expect(output.contains("policy.unknown_protection at protections.sqlx"))
    }

    @Test func policyCheckAcceptsTheBehaviourSectionAndNamesItsIssues() throws {
        let valid = try Self.withFile(#"{"mode": "report", "behaviour": {"processes": {"mode": "mitigate", "allow": ["^curl -s \\S+$"]}, "network": {"deny": [{"cidr": "10.0.0.0/8"}]}}}"#) {
            try Self.palisade(["policy", "check", $0, "--function", "orders-api"])
        }
        #expect(valid.status == 0)
        #expect(valid.output.contains("  process: mitigate") && valid.output.contains("  file: report") && valid.output.contains("  network: report"))
        let broken = try Self.withFile(#"{"behaviour": {"processes": {"allow": ["(x"]}, "network": {"allow": [{"cidr": "10.0.0.0/40"}]}}}"#) {
            try Self.palisade(["policy", "check", $0])
        }
        #expect(broken.status == 1)
        #expect(broken.output.contains("policy.invalid_regex at behaviour.processes.allow[0]"))
        #expect(broken.output.contains("policy.invalid_cidr at behaviour.network.allow[0].cidr"))
    }

    @Test func runPrintsOneResponsePerLineAndWritesEvents() throws {
        let events = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-events-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: events) }
        let (status, output) = try Self.palisade([
            "run", "--runtime", "python", "--dir", Self.repository + "/Examples/functions/python", "--handler", "app.handler",
            "--jsonl", Self.repository + "/Examples/functions/events/requests.jsonl", "--events-out", events,
            // The behaviour guard allows the function's benign `echo` (and nothing else).
            "--policy", Self.repository + "/Examples/functions/policy.json",
        ], environment: ["PALISADE_MODE": "mitigate"])
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.first?.contains(#"\"output\": \"hello\\n\""#) == true)
        #expect(lines[1].contains("403"))
        let written = try String(contentsOfFile: events, encoding: .utf8)
        #expect(written.contains(#""category":"cmdi""#) && written.contains(#""action":"blocked""#))
    }
}
