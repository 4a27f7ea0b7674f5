import Foundation
import Hummingbird
import HummingbirdTesting
import PalisadeConsoleClient
import PalisadeConsoleProtocol
import Testing

@testable import PalisadeConsole

/// The agent-side client against a real console listening on loopback.
struct ConsoleClientTests {
    @Test func batchSenderDeliversAndRetriesAreIdempotent() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let credentials = ConsoleCredentials(endpoint: try HTTPEndpoint(url: "http://127.0.0.1:\(port)"), key: harness.groupA.key, secret: harness.groupA.secret)
            let sender = EventBatchSender(client: ConsoleClient(credentials: credentials), agent: AgentDescription(function: "orders", region: "eu-west-1", runtime: "python3.12", layerVersion: "0.1.0"))
            let events = (0..<100).map { _ in eventJSON() + [10] }
            #expect(try await sender.send(events: events, counters: [InvocationCounter(function: "orders", invocations: 5, fromMs: 0, toMs: 1000)]) == BatchReceipt(accepted: 100, duplicates: 0))
            #expect(try await sender.send(events: events) == BatchReceipt(accepted: 0, duplicates: 100))

            let wrong = EventBatchSender(client: ConsoleClient(credentials: ConsoleCredentials(endpoint: credentials.endpoint, key: harness.groupA.key, secret: "ps_wrong")), agent: sender.agent)
            await #expect(throws: ConsoleClientError.refused(status: 401, code: "signature.mismatch", message: "the signature does not match the request (method, path, timestamp, nonce or body differ, or the secret is wrong)")) {
                try await wrong.send(events: events)
            }
        }
    }

    @Test func unreachableConsoleIsRetriedThenReported() async throws {
        let credentials = ConsoleCredentials(endpoint: try HTTPEndpoint(url: "http://127.0.0.1:9"), key: "pk", secret: "ps")
        let sender = EventBatchSender(client: ConsoleClient(credentials: credentials), agent: AgentDescription(function: "f"), maxAttempts: 3, firstBackoff: .milliseconds(10))
        let error = await #expect(throws: ConsoleClientError.self) { try await sender.send(events: [eventJSON()]) }
        #expect(error?.isTransient == true)
    }

    @Test func policyFetcherUsesETagsAndFallsBackToTheEmbeddedPolicy() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        let embedded = #"{"version":1,"mode":"mitigate"}"#
        let fetcher: PolicyFetcher = try await app.test(.live) { client in
            let port = try #require(client.port)
            let credentials = ConsoleCredentials(endpoint: try HTTPEndpoint(url: "http://127.0.0.1:\(port)"), key: harness.groupA.key, secret: harness.groupA.secret)
            let fetcher = PolicyFetcher(client: ConsoleClient(credentials: credentials, timeout: .seconds(20)), function: "orders api/ü", embedded: embedded)
            guard case .console(let document, let etag) = await fetcher.fetch() else {
                Issue.record("expected the console's policy")
                return fetcher
            }
            #expect(String(decoding: document, as: UTF8.self).contains("\"mode\":\"report\""))
            #expect(etag.hasPrefix("\"0-"))
            #expect(await fetcher.fetch() == .unchanged)
            return fetcher
        }
        // The server has stopped: the agent keeps working with the embedded policy.
        guard case .embedded(let document, let reason) = await fetcher.fetch() else {
            Issue.record("expected the embedded policy")
            return
        }
        #expect(document == Array(embedded.utf8))
        #expect(reason.isTransient)
    }

    @Test func credentialsComeFromTheEnvironmentTogether() throws {
        #expect(try ConsoleCredentials(environment: [:]) == nil)
        let full = try ConsoleCredentials(environment: ["PALISADE_CONSOLE_URL": "http://127.0.0.1:8080/console/", "PALISADE_KEY": "pk", "PALISADE_SECRET": "ps"])
        #expect(full?.endpoint.port == 8080)
        #expect(full?.endpoint.pathPrefix == "/console")
        #expect(throws: ConsoleClientError.self) { try ConsoleCredentials(environment: ["PALISADE_KEY": "pk"]) }
        #expect(throws: ConsoleClientError.self) { try HTTPEndpoint(url: "https://console.example") }
        #expect(throws: ConsoleClientError.self) { try HTTPEndpoint(url: "http://127.0.0.1:99999") }
    }
}
