import Foundation
import PalisadeConsoleClient
import Testing

/// The agent and the console together, as deployed: `palisade run` starts the real agent and Python
/// runtime, the agent fetches its policy from a real `palisade console serve` and delivers its events.
@Suite(.serialized) struct AgentConsoleTests {
    struct Console {
        var database: String
        var token: String
        var group: String
        var key: String
        var secret: String

        init() throws {
            database = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("palisade-agent-console-\(UUID().uuidString).db").path
            let values = try PalisadeBinary.run(["console", "bootstrap", "--database", database, "--group", "shop"]).keyValues
            token = try #require(values["PALISADE_TOKEN"])
            group = try #require(values["PALISADE_GROUP"])
            key = try #require(values["PALISADE_KEY"])
            secret = try #require(values["PALISADE_SECRET"])
        }

        func serve(port: Int = 0) throws -> RunningServer {
            try PalisadeBinary.start(["console", "serve", "--database", database, "--listen", "127.0.0.1:\(port)"])
        }

        func get(_ url: String, _ path: String) async throws -> [String: Any] {
            let reply = try await HTTPExchange.send(to: try HTTPEndpoint(url: url), method: "GET", path: "/api/v1/groups/\(group)\(path)", headers: [("Authorization", "Bearer \(token)")], body: [], timeout: PalisadeBinary.answerTimeout)
            return try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
        }

        func putPolicy(_ url: String, _ policy: String) async throws {
            let reply = try await HTTPExchange.send(
                to: try HTTPEndpoint(url: url), method: "PUT", path: "/api/v1/groups/\(group)/policy",
                headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: Array(policy.utf8),
                timeout: PalisadeBinary.answerTimeout
            )
            #expect(reply.status == 200)
        }

        /// With `waitForPolicy`, the cold start waits for the console's policy as long as a busy test
        /// machine may need: the default 1.5 s let the embedded policy apply when every suite ran at once.
        func agentEnvironment(_ url: String, waitForPolicy: Bool = true) -> [String: String] {
            let base = ["PALISADE_CONSOLE_URL": url, "PALISADE_KEY": key, "PALISADE_SECRET": secret]
            return waitForPolicy ? base.merging(["PALISADE_CONSOLE_WAIT_MS": "20000"]) { $1 } : base
        }
    }

    /// A function that answers with a name it is given and can be told to take its time, or to
    /// wait until the file PALISADE_TEST_GO_FILE exists (so a test can act while it is busy).
    static func function() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-fn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
        import os
        import time

        def handler(event, context):
            query = event.get("queryStringParameters") or {}
            time.sleep(float(query.get("sleep", "0")))
            if query.get("wait") == "go":
                deadline = time.monotonic() + 120
                while not os.path.exists(os.environ["PALISADE_TEST_GO_FILE"]) and time.monotonic() < deadline:
                    time.sleep(0.05)
            return {"statusCode": 200, "body": "hello " + query.get("name", "")}
        """.write(toFile: directory + "/app.py", atomically: true, encoding: .utf8)
        return directory
    }

    static func request(_ query: [String: String]) -> String {
        let parameters = query.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        return #"{"resource":"/hello","path":"/hello","httpMethod":"GET","headers":{"Host":"shop.example.com"},"queryStringParameters":{\#(parameters)},"requestContext":{"resourcePath":"/hello","httpMethod":"GET","identity":{"sourceIp":"198.51.100.7"}},"isBase64Encoded":false}"#
    }

    static func run(_ directory: String, _ requests: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        try AgentCommandTests.withFile(requests.joined(separator: "\n") + "\n") { jsonl in
            try AgentCommandTests.palisade(
                ["run", "--runtime", "python", "--dir", directory, "--handler", "app.handler", "--jsonl", jsonl, "--function-name", "shop-api"],
                environment: environment
            )
        }
    }

    static let attack = request(["name": "1' OR '1'='1' --"])

    @Test func eventsAndInvocationsReachTheConsoleAndItsPolicyIsApplied() async throws {
        let console = try Console()
        let server = try console.serve()
        defer { server.terminate() }
        let url = try await server.listeningURL()
        let directory = try Self.function()

        // The group's first policy reports: the attack is recorded, the function answers.
        let reported = try Self.run(directory, [Self.request(["name": "ada"]), Self.attack, Self.request(["name": "bob"])], environment: console.agentEnvironment(url))
        #expect(reported.status == 0)
        let answers = reported.output.split(separator: "\n")
        #expect(answers.count == 3)
        #expect(answers.allSatisfy { $0.contains("200") })

        let events = try #require(try await console.get(url, "/events?function=shop-api")["events"] as? [[String: Any]])
        #expect(events.contains { $0["category"] as? String == "sqli" && $0["action"] as? String == "reported" && $0["sourceIp"] as? String == "198.51.100.7" })
        let stats = try await console.get(url, "/stats")
        #expect(stats["invocations"] as? Int == 3)
        let functions = try #require(try await console.get(url, "/functions")["functions"] as? [[String: Any]])
        #expect(functions.contains { $0["name"] as? String == "shop-api" && $0["protected"] as? Bool == true })

        // Switched to mitigate in the console: the next cold start blocks the same attack.
        try await console.putPolicy(url, #"{"version":1,"mode":"report","protections":{"sqli":"mitigate"}}"#)
        let blocked = try Self.run(directory, [Self.attack, Self.request(["name": "cy"])], environment: console.agentEnvironment(url))
        let lines = blocked.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("403") == true)
        #expect(lines.last?.contains("hello cy") == true)
        let blockedEvents = try #require(try await console.get(url, "/events?action=blocked")["events"] as? [[String: Any]])
        #expect(blockedEvents.count == 1)
        #expect(try await console.get(url, "/stats")["invocations"] as? Int == 5)
    }

    @Test func aConsoleThatIsDownCostsNoEvents() async throws {
        let console = try Console()
        let port = try Self.freePort()
        let url = "http://127.0.0.1:\(port)"
        let directory = try Self.function()
        let goFile = directory + "/go"
        let environment = console.agentEnvironment(url, waitForPolicy: false).merging(["PALISADE_MODE": "mitigate", "PALISADE_TEST_GO_FILE": goFile]) { $1 }

        // The console comes up only while the function is busy with its third invocation, which
        // waits for it: however slow the machine, the agent meets a console that was down, then up.
        async let run = Task.detached {
            try Self.run(directory, [Self.attack, Self.request(["name": "ada"]), Self.request(["name": "slow", "wait": "go"])], environment: environment)
        }.value
        try await Task.sleep(for: .seconds(2))
        let server = try console.serve(port: port)
        defer { server.terminate() }
        _ = try await server.listeningURL()
        FileManager.default.createFile(atPath: goFile, contents: nil)

        let result = try await run
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.contains("403") == true, "the embedded policy (PALISADE_MODE) applies while the console is down")
        #expect(lines.last?.contains("hello slow") == true)
        let events = try #require(try await console.get(url, "/events")["events"] as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["category"] as? String == "sqli")
        #expect(try await console.get(url, "/stats")["invocations"] as? Int == 3)
    }

    static func freePort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw LaunchFailure(message: "no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
