import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PalisadeConsoleClient
import PalisadeConsoleProtocol
import PalisadeStore
import Testing

@testable import PalisadeConsole

/// A console on a fresh SQLite file with an administrator token and two groups, a and b.
struct ConsoleHarness {
    let store: any ConsoleStore
    let metrics = ConsoleMetrics()
    let adminToken: String
    var groupA: GroupCredentials
    var groupB: GroupCredentials

    struct GroupCredentials: Codable {
        var id: String
        var name: String
        var key: String
        var secret: String
    }

    static func make(siem: SIEMDestinations = SIEMDestinations()) async throws -> (ConsoleHarness, some ApplicationProtocol) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-console-\(UUID().uuidString).db").path
        let store = try await StoreLocation.sqlite(path: path).open()
        let token = try await ConsoleBootstrap.run(store: store, groupName: nil, nowMs: Clock.milliseconds()).token
        let metrics = ConsoleMetrics()
        let router = buildRouter(store: store, metrics: metrics, siem: SIEMForwarder(destinations: siem, metrics: metrics))
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        var harness = ConsoleHarness(store: store, adminToken: token, groupA: .init(id: "", name: "", key: "", secret: ""), groupB: .init(id: "", name: "", key: "", secret: ""))
        harness.groupA = try await harness.createGroup("team-a")
        harness.groupB = try await harness.createGroup("team-b")
        return (harness, app)
    }

    private func createGroup(_ name: String) async throws -> GroupCredentials {
        let router = buildRouter(store: store, metrics: metrics, siem: SIEMForwarder(destinations: SIEMDestinations(), metrics: metrics))
        let app = Application(router: router)
        return try await app.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/groups", method: .post, headers: bearer(adminToken), body: ByteBuffer(string: #"{"name":"\#(name)"}"#))
            #expect(response.status == .created)
            return try JSONDecoder().decode(GroupCredentials.self, from: Data(response.body.readableBytesView))
        }
    }

    func client(_ group: GroupCredentials, secret: String? = nil, clockSkew: Int64 = 0) throws -> ConsoleClient {
        let credentials = ConsoleCredentials(endpoint: try HTTPEndpoint(url: "http://127.0.0.1:1"), key: group.key, secret: secret ?? group.secret)
        return ConsoleClient(credentials: credentials, clock: { ConsoleClient.unixSeconds() + clockSkew })
    }

    /// Signature headers for a router test request, as the agent's client would send them.
    func signed(_ group: GroupCredentials, method: String, path: String, body: [UInt8], secret: String? = nil, clockSkew: Int64 = 0, extra: HTTPFields = [:]) throws -> HTTPFields {
        var fields = extra
        for (name, value) in try client(group, secret: secret, clockSkew: clockSkew).signatureHeaders(method: method, path: path, body: body) {
            fields[HTTPField.Name(name)!] = value
        }
        return fields
    }
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

/// One attack event line, as the agent writes it.
func eventJSON(id: String = UUID().uuidString.lowercased(), function: String = "orders", category: String = "sqli", action: String = "reported", evidence: String = "' OR 1=1 --", sourceIp: String = "203.0.113.7", time: String? = nil) -> [UInt8] {
    let object: [String: Any] = [
        "id": id, "time": time ?? RFC3339.format(millisecondsSinceEpoch: Clock.milliseconds()), "kind": "attack", "requestId": "req-1",
        "function": function, "region": "eu-west-1", "runtime": "python3.12", "layerVersion": "0.1.0", "trigger": "api-gateway-rest",
        "sourceIp": sourceIp, "category": category, "rule": "\(category).test", "message": "\(category) attack", "location": "queryStringParameters.id",
        "evidence": evidence, "action": action,
    ]
    return Array(try! JSONSerialization.data(withJSONObject: object))
}

func batchBody(group: ConsoleHarness.GroupCredentials, events: [[UInt8]], counters: [InvocationCounter] = [], function: String = "orders") -> [UInt8] {
    let sender = EventBatchSender(
        client: ConsoleClient(credentials: ConsoleCredentials(endpoint: try! HTTPEndpoint(url: "http://127.0.0.1:1"), key: group.key, secret: group.secret)),
        agent: AgentDescription(function: function, region: "eu-west-1", runtime: "python3.12", layerVersion: "0.1.0")
    )
    return sender.body(events: events, counters: counters)
}

extension TestResponse {
    var errorCode: String? {
        let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:] }
}
