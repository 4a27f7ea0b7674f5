import Foundation
import Testing

/// Learn mode end to end, as a user runs it: a report-mode run of a vulnerable function records what it
/// does, `palisade policy draft` turns the events into a policy, and a run under that policy lets the
/// benign requests through while the behaviour guard stops the injected commands.
@Suite(.timeLimit(.minutes(4))) struct PolicyDraftCommandTests {
    static let function = AgentCommandTests.repository + "/Tests/PalisadeLocalTests/GuardFunctions/python"
    static let benign = ["report.txt", "notes.txt"]
    static let attacks = ["report.txt; cat /etc/passwd", "$(id)", "`id`", "report.txt | sh", "report.txt && env"]

    static func requests(_ documents: [String]) -> String {
        documents.map { document in
            let query = #"{"doc":"\#(document.replacingOccurrences(of: "\"", with: "\\\""))"}"#
            return #"{"resource":"/convert","path":"/convert","httpMethod":"GET","headers":{"Host":"api.example.com"},"queryStringParameters":\#(query),"requestContext":{"requestId":"r","identity":{"sourceIp":"203.0.113.9"}},"body":null,"isBase64Encoded":false}"#
        }.joined(separator: "\n") + "\n"
    }

    static func run(_ requests: String, in scratch: String, name: String, policy: String? = nil, mode: String) throws -> (status: Int32, output: String) {
        let jsonl = scratch + "/\(name).jsonl"
        try requests.write(toFile: jsonl, atomically: true, encoding: .utf8)
        var arguments = ["run", "--runtime", "python", "--dir", function, "--handler", "app.handler", "--function-name", "convert-api",
                         "--jsonl", jsonl, "--events-out", scratch + "/\(name)-events.jsonl"]
        if let policy { arguments += ["--policy", policy] }
        return try AgentCommandTests.palisade(arguments, environment: ["PALISADE_MODE": mode])
    }

    @Test func reportRunThenDraftThenMitigateRun() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-learn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // 1. Report mode: the benign traffic runs and every process it starts is recorded.
        let learning = try Self.run(Self.requests(Self.benign), in: scratch, name: "learn", mode: "report")
        #expect(learning.status == 0)
        #expect(learning.output.split(separator: "\n").allSatisfy { $0.contains("converting") }, "\(learning.output)")

        // 2. The draft: a valid policy whose process rules are exactly the benign scripts.
        let draft = try AgentCommandTests.palisade(["policy", "draft", "--events", scratch + "/learn-events.jsonl"])
        #expect(draft.status == 0)
        #expect(draft.output.contains(#""^echo converting (?:notes\\.txt|report\\.txt)$""#), "\(draft.output)")
        let policy = scratch + "/policy.json"
        try draft.output.write(toFile: policy, atomically: true, encoding: .utf8)
        let check = try AgentCommandTests.palisade(["policy", "check", policy])
        #expect(check.status == 0, "\(check.output)")

        // 3. Under the draft, with the event checks off so that the behaviour guard is what stops the attacks.
        let guarded = try Self.run(Self.requests(Self.benign + Self.attacks), in: scratch, name: "guarded", policy: policy, mode: "off")
        #expect(guarded.status == 0)
        let answers = guarded.output.split(separator: "\n").map(String.init)
        #expect(answers.count == Self.benign.count + Self.attacks.count)
        for (document, answer) in zip(Self.benign, answers) {
            #expect(answer.contains("converting \(document)"), "benign \(document) was not allowed: \(answer)")
        }
        for (attack, answer) in zip(Self.attacks, answers.dropFirst(Self.benign.count)) {
            #expect(answer.contains("PermissionError") && !answer.contains("root:") && !answer.contains("uid="), "\(attack) was not blocked: \(answer)")
        }
        let events = try String(contentsOfFile: scratch + "/guarded-events.jsonl", encoding: .utf8)
        #expect(events.split(separator: "\n").filter { $0.contains(#""category":"process""#) && $0.contains(#""action":"blocked""#) }.count >= Self.attacks.count)
    }
}
