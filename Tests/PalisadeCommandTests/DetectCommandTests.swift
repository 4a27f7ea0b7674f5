import Foundation
import Testing

/// Runs the built `palisade detect` the way a user or CI job would.
@Suite struct DetectCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/events").standardized

    struct Run {
        var status: Int32
        var output: String
        var errors: String

        var lines: [[String: Any]] {
            output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    /// The binary sits in the build products directory beside the test bundle.
    static func palisade(_ arguments: [String], input: String? = nil) throws -> Run {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .flatMap { [$0.appendingPathComponent("palisade"), $0.deletingLastPathComponent().appendingPathComponent("palisade")] }
        let binary = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "build the palisade product first")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let output = Pipe(), errors = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = standardInput
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(Data(input.utf8)) }
        try standardInput.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self), errors: String(decoding: errorData, as: UTF8.self))
    }

    @Test(arguments: [
        ("api-gateway-rest-sqli.json", "api-gateway-rest", "attack"), ("http-api-cmdi.json", "api-gateway-http", "attack"),
        ("function-url-ssrf.json", "function-url", "attack"), ("alb-xss.json", "alb", "attack"), ("sqs-batch-mixed.json", "sqs", "attack"),
        ("sns-nosql.json", "sns", "attack"), ("s3-traversal.json", "s3", "attack"), ("dynamodb-proto.json", "dynamodb", "attack"),
        ("kinesis-ssti.json", "kinesis", "attack"), ("eventbridge-clean.json", "eventbridge", "clean"), ("cognito-clean.json", "cognito", "clean"),
        ("cloudwatch-logs-jndi.json", "cloudwatch-logs", "attack"), ("direct-invoke-code.json", "direct", "attack"),
    ])
    func sampleEvents(file: String, trigger: String, verdict: String) throws {
        let run = try Self.palisade(["detect", Self.examples.appendingPathComponent(file).path])
        #expect(run.status == 0, "\(run.errors)")
        let answer = try #require(run.lines.first)
        #expect(answer["trigger"] as? String == trigger)
        #expect(answer["verdict"] as? String == verdict)
        let findings = answer["findings"] as? [[String: Any]] ?? []
        #expect(findings.allSatisfy { $0["category"] != nil && $0["rule"] != nil && $0["location"] != nil && $0["evidence"] != nil })
    }

    @Test func batchRecordsCarryTheirIndex() throws {
        let run = try Self.palisade(["detect", Self.examples.appendingPathComponent("sqs-batch-mixed.json").path])
        let findings = try #require(run.lines.first?["findings"] as? [[String: Any]])
        #expect(Set(findings.compactMap { $0["record"] as? Int }) == [1])
        #expect(findings.contains { $0["category"] as? String == "jndi" && $0["location"] as? String == "Records[1].body.Message.note" })
    }

    @Test func jsonLinesKeepOrderAndSurviveBadLines() throws {
        let input = """
            {"q": "1' OR '1'='1"}
            this is not json
            {"q": "hello"}

            {"deep": \(String(repeating: "[", count: 5000))}
            {"q": "<script>alert(1)</script>"}
            """
        let run = try Self.palisade(["detect", "--jsonl", "-"], input: input)
        #expect(run.status == 0)
        let lines = run.lines
        #expect(lines.count == 5)
        #expect(lines[0]["verdict"] as? String == "attack")
        #expect((lines[1]["error"] as? String)?.contains("detect.invalid_json") == true)
        #expect(lines[2]["verdict"] as? String == "clean")
        #expect((lines[3]["error"] as? String)?.contains("json.too_deep") == true)
        #expect(lines[4]["verdict"] as? String == "attack")
    }

    @Test func missingFileIsAClearError() throws {
        let run = try Self.palisade(["detect", "/nonexistent/event.json"])
        #expect(run.status != 0)
        #expect((run.output + run.errors).contains("cannot read /nonexistent/event.json"))
    }

    @Test func hugeEventStaysWithinLimits() throws {
        // About 1.8 MB of quotes, brackets, `%25` and backslashes, nested as JSON inside a JSON string.
        let value = String(repeating: "'\"[%25\\{\"a\":[\"", count: 150_000)
        let event = try JSONSerialization.data(withJSONObject: ["body": value, "httpMethod": "POST", "path": "/", "headers": [:]])
        let run = try Self.palisade(["detect", "-"], input: String(decoding: event, as: UTF8.self))
        #expect(run.status == 0)
        #expect(run.lines.first?["verdict"] != nil)
    }
}
