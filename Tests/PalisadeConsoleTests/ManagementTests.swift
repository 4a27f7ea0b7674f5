import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PalisadeConsoleClient
import PalisadeConsoleProtocol
import Testing

@testable import PalisadeConsole

struct ManagementTests {
    @Test func tokensAreRequiredAndGroupTokensSeeOnlyTheirGroup() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/api/v1/groups", method: .get).errorCode == "auth.missing_token")
            #expect(try await client.execute(uri: "/api/v1/groups", method: .get, headers: bearer("pt_forged")).errorCode == "auth.bad_token")

            let made = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: bearer(harness.adminToken),
                body: ByteBuffer(string: #"{"name":"team a","group":"\#(harness.groupA.id)"}"#)
            )
            #expect(made.status == .created)
            let tokenA = try #require(made.json["token"] as? String)

            // Group B's events, policy and functions are invisible to group A's token; writes are refused.
            let payload = batchBody(group: harness.groupB, events: [eventJSON()])
            let headers = try harness.signed(harness.groupB, method: "POST", path: "/api/v1/ingest", body: payload)
            #expect(try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: ByteBuffer(bytes: payload)).status == .ok)
            for path in ["", "/events", "/functions", "/policy", "/stats"] {
                let response = try await client.execute(uri: "/api/v1/groups/\(harness.groupB.id)\(path)", method: .get, headers: bearer(tokenA))
                #expect(response.status == .notFound, "\(path)")
            }
            let write = try await client.execute(uri: "/api/v1/groups/\(harness.groupB.id)/policy", method: .put, headers: bearer(tokenA), body: ByteBuffer(string: #"{"mode":"off"}"#))
            #expect(write.status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/groups/\(harness.groupB.id)/secret/rotate", method: .post, headers: bearer(tokenA)).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/groups", method: .post, headers: bearer(tokenA), body: ByteBuffer(string: #"{"name":"x"}"#)).errorCode == "auth.forbidden")

            let groups = try await client.execute(uri: "/api/v1/groups", method: .get, headers: bearer(tokenA)).json["groups"] as? [[String: Any]]
            #expect(groups?.compactMap { $0["id"] as? String } == [harness.groupA.id])
            let own = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/events", method: .get, headers: bearer(tokenA))
            #expect((own.json["events"] as? [Any])?.isEmpty == true)
            #expect(String(buffer: own.body).contains("secret") == false)
        }
    }

    @Test func policiesAreCheckedVersionedAndServedWithETags() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        try await app.test(.router) { client in
            func fetch(_ function: String, ifNoneMatch: String? = nil) async throws -> TestResponse {
                let path = "/api/v1/policy?function=\(function)"
                var extra: HTTPFields = [:]
                if let ifNoneMatch { extra[.ifNoneMatch] = ifNoneMatch }
                return try await client.execute(uri: path, method: .get, headers: try harness.signed(harness.groupA, method: "GET", path: path, body: [], extra: extra))
            }
            let initial = try await fetch("orders-api")
            #expect(initial.status == .ok)
            #expect(initial.json["mode"] as? String == "report")

            let invalid = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/policy", method: .put, headers: bearer(harness.adminToken), body: ByteBuffer(string: #"{"protections":{"sqlx":"block"}}"#))
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.errorCode == "policy.invalid")

            let document = #"{"mode":"report","protections":{"sqli":"mitigate"},"exceptions":[{"location":"body.sql"}],"functions":[{"name":"orders-*","protections":{"xss":"mitigate"},"exceptions":[{"location":"headers.x"}]}]}"#
            let saved = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/policy", method: .put, headers: bearer(harness.adminToken), body: ByteBuffer(string: document))
            #expect(saved.status == .ok)
            #expect(saved.json["version"] as? Int == 1)

            let orders = try await fetch("orders-api")
            let etag = try #require(orders.headers[.eTag])
            #expect((orders.json["protections"] as? [String: String]) == ["sqli": "mitigate", "xss": "mitigate"])
            #expect((orders.json["exceptions"] as? [[String: String]])?.count == 2)
            #expect(orders.json["functions"] == nil)
            let other = try await fetch("reports")
            #expect((other.json["protections"] as? [String: String]) == ["sqli": "mitigate"])
            #expect(other.headers[.eTag] != etag)

            #expect(try await fetch("orders-api", ifNoneMatch: etag).status == .notModified)
            _ = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/policy", method: .put, headers: bearer(harness.adminToken), body: ByteBuffer(string: #"{"mode":"mitigate"}"#))
            let changed = try await fetch("orders-api", ifNoneMatch: etag)
            #expect(changed.status == .ok)
            #expect(changed.json["mode"] as? String == "mitigate")
            // Group B still has the initial policy.
            let path = "/api/v1/policy?function=orders-api"
            let groupB = try await client.execute(uri: path, method: .get, headers: try harness.signed(harness.groupB, method: "GET", path: path, body: []))
            #expect(groupB.json["mode"] as? String == "report")
        }
    }

    @Test func eventsFilterPageAndStatsCount() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        try await app.test(.router) { client in
            var events: [[UInt8]] = []
            for index in 0..<30 {
                events.append(eventJSON(category: index < 20 ? "sqli" : "xss", action: index % 3 == 0 ? "blocked" : "reported", sourceIp: index == 7 ? "198.51.100.1" : "203.0.113.7"))
            }
            let body = batchBody(group: harness.groupA, events: events, counters: [InvocationCounter(function: "orders", invocations: 1000, fromMs: Clock.milliseconds() - 1000, toMs: Clock.milliseconds())])
            #expect(try await client.execute(uri: "/api/v1/ingest", method: .post, headers: try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body), body: ByteBuffer(bytes: body)).status == .ok)
            let base = "/api/v1/groups/\(harness.groupA.id)"
            var ids: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.execute(uri: "\(base)/events?limit=8" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get, headers: bearer(harness.adminToken))
                ids += (page.json["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            #expect(ids.count == 30)
            #expect(Set(ids).count == 30)

            let xss = try await client.execute(uri: "\(base)/events?category=xss&action=blocked", method: .get, headers: bearer(harness.adminToken))
            #expect((xss.json["events"] as? [Any])?.count == 3)
            let byIP = try await client.execute(uri: "\(base)/events?sourceIp=198.51.100.1", method: .get, headers: bearer(harness.adminToken))
            let found = try #require((byIP.json["events"] as? [[String: Any]])?.first)
            let detail = try await client.execute(uri: "\(base)/events/\(found["id"] as? String ?? "")", method: .get, headers: bearer(harness.adminToken))
            #expect(detail.json["sourceIp"] as? String == "198.51.100.1")
            #expect(try await client.execute(uri: "\(base)/events?from=yesterday", method: .get, headers: bearer(harness.adminToken)).errorCode == "request.invalid_field")
            #expect(try await client.execute(uri: "\(base)/events?cursor=zzz", method: .get, headers: bearer(harness.adminToken)).errorCode == "request.invalid_field")

            let stats = try await client.execute(uri: "\(base)/stats", method: .get, headers: bearer(harness.adminToken)).json
            #expect(stats["invocations"] as? Int == 1000)
            #expect(stats["attacks"] as? Int == 30)
            #expect(stats["blocked"] as? Int == 10)
            #expect(stats["reported"] as? Int == 20)
            #expect(stats["protectedFunctions"] as? Int == 1)
            #expect((stats["byCategory"] as? [String: Int]) == ["sqli": 20, "xss": 10])
            let buckets = stats["overTime"] as? [[String: Any]] ?? []
            #expect(buckets.count >= 48, "empty buckets are filled in")
            #expect(buckets.reduce(0) { $0 + ($1["events"] as? Int ?? 0) } == 30)
        }
    }

    /// A stored XSS attempt comes back as JSON text, and the page that shows it runs no inline script
    /// and never assigns HTML (the browser test checks the rendering itself).
    @Test func storedPayloadsStayInert() async throws {
        let (harness, app) = try await ConsoleHarness.make()
        let payload = #"<img src=x onerror="alert(1)"><script>alert(2)</script>"#
        try await app.test(.router) { client in
            let body = batchBody(group: harness.groupA, events: [eventJSON(category: "xss", evidence: payload)])
            _ = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body), body: ByteBuffer(bytes: body))
            let events = try await client.execute(uri: "/api/v1/groups/\(harness.groupA.id)/events", method: .get, headers: bearer(harness.adminToken))
            #expect(events.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(events.headers[.xContentTypeOptions] == "nosniff")
            #expect((events.json["events"] as? [[String: Any]])?.first?["evidence"] as? String == payload)

            let page = try await client.execute(uri: "/", method: .get)
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'"))
            #expect(!csp.contains("unsafe-inline"))
            #expect(String(buffer: page.body).contains("<script src=\"/app.js\" defer></script>"))
            let script = String(buffer: try await client.execute(uri: "/app.js", method: .get).body)
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
                #expect(!script.contains(sink), "app.js must not use \(sink)")
            }
        }
    }
}
