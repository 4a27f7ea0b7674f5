import NIOHTTP1
import PalisadeHTTP
import PalisadeJSON

/// The agent's side of the Extensions API: register, then wait for INVOKE and SHUTDOWN events.
struct ExtensionClient {
    enum Event: Equatable {
        case invoke(requestID: String)
        case shutdown(reason: String)
    }

    let connection: HTTPClientConnection
    let identifier: String

    static func register(name: String, on connection: HTTPClientConnection) async throws -> ExtensionClient {
        var headers = HTTPHeaders()
        headers.add(name: "Lambda-Extension-Name", value: name)
        let response = try await connection.send(HTTPRequest(method: .POST, uri: "/2020-01-01/extension/register", headers: headers, body: Array(#"{"events":["INVOKE","SHUTDOWN"]}"#.utf8)))
        guard response.head.status == .ok, let identifier = response.head.headers["Lambda-Extension-Identifier"].first else {
            throw AgentError(.registration, "register answered \(response.head.status.code): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        return ExtensionClient(connection: connection, identifier: identifier)
    }

    func next() async throws -> Event {
        var headers = HTTPHeaders()
        headers.add(name: "Lambda-Extension-Identifier", value: identifier)
        let response = try await connection.send(HTTPRequest(method: .GET, uri: "/2020-01-01/extension/event/next", headers: headers))
        guard response.head.status == .ok, let document = try? JSONDocument(bytes: response.body) else {
            throw AgentError(.registration, "event/next answered \(response.head.status.code)")
        }
        if document.root["eventType"]?.string == "SHUTDOWN" {
            return .shutdown(reason: document.root["shutdownReason"]?.string ?? "")
        }
        return .invoke(requestID: document.root["requestId"]?.string ?? "")
    }
}
