import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PalisadeConsoleClient
import PalisadeConsoleProtocol
import Testing

@testable import PalisadeConsole

/// Agent requests that are unsigned, wrongly signed, replayed, expired, oversized or malformed are
/// refused with a clear code; good ones are committed once however often they are retried.
struct IngestSecurityTests {
    @Test func signedGzipBatchIsAcceptedOnceAndRetriesAreDuplicates() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        let events = (0..<100).map { _ in eventJSON() }
        let body = Gzip.compress(batchBody(group: harness.groupA, events: events, counters: [InvocationCounter(function: "orders", invocations: 250, fromMs: 0, toMs: 60_000)]))
        try await app.test(.router) { client in
            for expected in [(100, 0), (0, 100)] {
                let headers = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body, extra: [.contentEncoding: "gzip"])
                let response = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(response.status == .ok)
                #expect(response.json["accepted"] as? Int == expected.0)
                #expect(response.json["duplicates"] as? Int == expected.1)
            }
            let functions = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/functions", method: .get, headers: bearer(harness.adminToken))
            let list = functions.json["functions"] as? [[String: Any]]
            #expect(list?.first?["invocations"] as? Int == 250, "a retried counter counts once")
            #expect(list?.first?["protected"] as? Bool == true)
        }
    }

    @Test func refusalsCarryCodes() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        let body = batchBody(group: harness.groupA, events: [eventJSON()])
        try await app.test(.router) { client in
            func ingest(_ headers: HTTPFields, _ payload: [UInt8] = body) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: ByteBuffer(bytes: payload))
            }
            let unsigned = try await ingest([:])
            #expect(unsigned.status == .unauthorized)
            #expect(unsigned.errorCode == "signature.missing")

            let wrongSecret = try await ingest(try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body, secret: "ps_wrong"))
            #expect(wrongSecret.status == .unauthorized)
            #expect(wrongSecret.errorCode == "signature.mismatch")

            let tampered = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body)
            #expect(try await ingest(tampered, body + [32]).errorCode == "signature.mismatch")

            let otherPath = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest?x=1", body: body)
            #expect(try await ingest(otherPath).errorCode == "signature.mismatch")

            var unknownKey = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body)
            unknownKey[HTTPField.Name("X-Palisade-Key")!] = "pk_nobody"
            #expect(try await ingest(unknownKey).errorCode == "signature.unknown_key")

            let expired = try await ingest(try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body, clockSkew: -301))
            #expect(expired.status == .unauthorized)
            #expect(expired.errorCode == "signature.expired")
            // Ahead of the console's clock: 30 s past the window, since the gap shrinks while the request
            // travels (whole seconds: crossing one second's boundary is enough to land back inside).
            #expect(try await ingest(try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body, clockSkew: 330)).errorCode == "signature.expired")

            let once = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body)
            #expect(try await ingest(once).status == .ok)
            let replay = try await ingest(once)
            #expect(replay.status == .unauthorized)
            #expect(replay.errorCode == "signature.replayed")

            let huge = [UInt8](repeating: 32, count: RequestSigning.maxBodyBytes + 1)
            let oversized = try await ingest(try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: huge), huge)
            #expect(oversized.status == .contentTooLarge)
            #expect(oversized.errorCode == "request.too_large")

            let bomb = Gzip.compress([UInt8](repeating: 32, count: AgentAPI.maxInflatedBytes + 1))
            let inflated = try await ingest(try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: bomb, extra: [.contentEncoding: "gzip"]), bomb)
            #expect(inflated.status == .contentTooLarge)

            let notGzip = try await ingest(try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body, extra: [.contentEncoding: "gzip"]))
            #expect(notGzip.errorCode == "request.bad_encoding")

            for (payload, code) in [
                (Array("{not json".utf8), "request.malformed"),
                (Array(#"{"agent":{"function":"f"}}"#.utf8), "request.malformed"),
                (batchBody(group: harness.groupA, events: [eventJSON(id: "not-a-uuid")]), "request.invalid_field"),
                (batchBody(group: harness.groupA, events: [eventJSON(action: "ignored")]), "request.invalid_field"),
                (batchBody(group: harness.groupA, events: [eventJSON(time: "yesterday")]), "request.invalid_field"),
            ] {
                let response = try await ingest(try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: payload), payload)
                #expect(response.status == .badRequest)
                #expect(response.errorCode == code)
            }

            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(String(buffer: metrics.body).contains("palisade_requests_refused_total{code=\"signature.replayed\"} 1"))
        }
    }

    @Test func rotationKeepsBothSecretsUntilFinished() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        let body = batchBody(group: harness.groupA, events: [])
        try await app.test(.router) { client in
            let rotated = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/secret/rotate", method: .post, headers: bearer(harness.adminToken))
            let newSecret = try #require(rotated.json["secret"] as? String)
            #expect(newSecret != harness.groupA.secret)
            for secret in [harness.groupA.secret, newSecret] {
                let headers = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body, secret: secret)
                #expect(try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: ByteBuffer(bytes: body)).status == .ok)
            }
            _ = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/secret/finish", method: .post, headers: bearer(harness.adminToken))
            let old = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body)
            #expect(try await client.execute(uri: "/api/v1/ingest", method: .post, headers: old, body: ByteBuffer(bytes: body)).errorCode == "signature.mismatch")
            let new = try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body, secret: newSecret)
            #expect(try await client.execute(uri: "/api/v1/ingest", method: .post, headers: new, body: ByteBuffer(bytes: body)).status == .ok)
        }
    }
}
