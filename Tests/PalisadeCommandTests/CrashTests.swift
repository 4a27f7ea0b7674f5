import Foundation
import PalisadeConsoleClient
import Synchronization
import Testing

/// `kill -9` of the console while agents are sending: after a restart, every batch the console
/// acknowledged is there (the acknowledgement follows the commit).
struct CrashTests {
    static let databases: [String] = {
        var list = ["sqlite"]
        if ProcessInfo.processInfo.environment["PALISADE_TEST_POSTGRES_URL"] != nil { list.append("postgres") }
        else { print("CrashTests: PALISADE_TEST_POSTGRES_URL is not set; the PostgreSQL crash test is SKIPPED (run under scripts/with-postgres)") }
        return list
    }()

    @Test(arguments: databases)
    func acknowledgedEventsSurviveKill9(backend: String) async throws {
        let database = backend == "sqlite"
            ? "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("palisade-crash-\(UUID().uuidString).db").path
            : try freshPostgresDatabase()
        let values = try PalisadeBinary.run(["console", "bootstrap", "--database", database, "--group", "crash"]).keyValues
        let token = try #require(values["PALISADE_TOKEN"]), group = try #require(values["PALISADE_GROUP"])
        let key = try #require(values["PALISADE_KEY"]), secret = try #require(values["PALISADE_SECRET"])

        let first = try PalisadeBinary.start(["console", "serve", "--database", database, "--listen", "127.0.0.1:0"])
        let url = try await first.listeningURL()
        let credentials = ConsoleCredentials(endpoint: try HTTPEndpoint(url: url), key: key, secret: secret)

        let progress = AcknowledgedCount()
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { tasks in
            for sender in 0..<4 {
                tasks.addTask {
                    let client = EventBatchSender(client: ConsoleClient(credentials: credentials, timeout: PalisadeBinary.answerTimeout), agent: AgentDescription(function: "crash-\(sender)"), maxAttempts: 1)
                    var ids: [String] = []
                    while true {
                        let batch = (0..<100).map { _ in UUID().uuidString.lowercased() }
                        do {
                            let receipt = try await client.send(events: batch.map { crashEvent(id: $0, function: "crash-\(sender)") })
                            #expect(receipt.accepted == 100)
                            ids += batch
                            progress.add(batch.count)
                        } catch {
                            // Once the console is gone, what was acknowledged so far must survive. A
                            // failure before the kill (a reply held up while the whole suite loads the
                            // machine) is only a batch that was not acknowledged: send the next one.
                            if progress.killed { return ids }
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
            // Kill while batches are in flight, once some have been acknowledged (slow machines take longer).
            let deadline = ContinuousClock.now + .seconds(180)
            while progress.value < 2_000, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            progress.markKilled()
            kill(first.process.processIdentifier, SIGKILL)
            first.process.waitUntilExit()
            var all: [String] = []
            for try await ids in tasks { all += ids }
            return all
        }
        #expect(acknowledged.count >= 100, "the senders got some batches acknowledged before the kill")

        let second = try PalisadeBinary.start(["console", "serve", "--database", database, "--listen", "127.0.0.1:0"])
        defer { second.terminate() }
        let endpoint = try HTTPEndpoint(url: try await second.listeningURL())
        var stored = Set<String>()
        var cursor: String?
        repeat {
            let reply = try await HTTPExchange.send(
                to: endpoint, method: "GET", path: "/api/v1/groups/\(group)/events?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""),
                headers: [("Authorization", "Bearer \(token)")], timeout: PalisadeBinary.answerTimeout
            )
            let page = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
            for event in page?["events"] as? [[String: Any]] ?? [] { if let id = event["id"] as? String { stored.insert(id) } }
            cursor = page?["nextCursor"] as? String
        } while cursor != nil
        let missing = Set(acknowledged).subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged events are missing after kill -9")
    }

    private func freshPostgresDatabase() throws -> String {
        let server = ProcessInfo.processInfo.environment["PALISADE_TEST_POSTGRES_URL"] ?? ""
        let name = "palisade_crash_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", server, "-q", "-c", "CREATE DATABASE \(name)"]
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else { throw LaunchFailure(message: "psql could not create \(name)") }
        return server[..<(server.lastIndex(of: "/") ?? server.endIndex)] + "/" + name
    }
}

/// Events acknowledged so far, across the senders, and whether the console has been killed.
private final class AcknowledgedCount: Sendable {
    private let state = Mutex((count: 0, killed: false))
    func add(_ events: Int) { state.withLock { $0.count += events } }
    func markKilled() { state.withLock { $0.killed = true } }
    var value: Int { state.withLock { $0.count } }
    var killed: Bool { state.withLock { $0.killed } }
}

private func crashEvent(id: String, function: String) -> [UInt8] {
    Array(#"{"id":"\#(id)","time":"2026-11-23T07:00:00Z","kind":"attack","requestId":"r","function":"\#(function)","category":"sqli","rule":"sqli.crash","message":"crash test","location":"body","evidence":"1' OR '1'='1","action":"reported"}"#.utf8)
}
