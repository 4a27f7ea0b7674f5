import NIOHTTP1
import PalisadeHTTP
import PalisadeJSON

/// What the Extensions API tells the agent.
enum ExtensionEvent: Equatable {
    /// An invocation started; the platform ends it at `deadlineMs` (ms since 1970) at the latest.
    case invoke(requestID: String, deadlineMs: Int64)
    /// `spindown`, `timeout` or `failure`; the process is killed at `deadlineMs` (about two seconds).
    case shutdown(reason: String, deadlineMs: Int64)
}

/// The agent's side of the Extensions API.
///
/// The agent asks for INVOKE only when it has a console to talk to: the proxy sees every invocation
/// with its payload already, and INVOKE costs an HTTP exchange per invocation (about 0.2 ms of CPU,
/// measured). With a console it buys the post-invoke phase, in which events are delivered after the
/// caller has its answer.
struct ExtensionClient {
    let connection: HTTPClientConnection
    let identifier: String

    static func register(name: String, events: [String], on connection: HTTPClientConnection) async throws -> ExtensionClient {
        var headers = HTTPHeaders()
        headers.add(name: "Lambda-Extension-Name", value: name)
        let body = #"{"events":[\#(events.map { "\"\($0)\"" }.joined(separator: ","))]}"#
        let response = try await connection.send(HTTPRequest(method: .POST, uri: "/2020-01-01/extension/register", headers: headers, body: Array(body.utf8)))
        guard response.head.status == .ok, let identifier = response.head.headers["Lambda-Extension-Identifier"].first else {
            throw AgentError(.registration, "register answered \(response.head.status.code): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        return ExtensionClient(connection: connection, identifier: identifier)
    }

    /// Waits for the next event; calling it again also tells the platform the agent is done with the
    /// previous invocation.
    func next() async throws -> ExtensionEvent {
        var headers = HTTPHeaders()
        headers.add(name: "Lambda-Extension-Identifier", value: identifier)
        while true {
            let response = try await connection.send(HTTPRequest(method: .GET, uri: "/2020-01-01/extension/event/next", headers: headers))
            guard response.head.status == .ok, let document = try? JSONDocument(bytes: response.body) else {
                throw AgentError(.registration, "event/next answered \(response.head.status.code)")
            }
            switch document.root["eventType"]?.string {
            case "SHUTDOWN":
                return .shutdown(reason: document.root["shutdownReason"]?.string ?? "", deadlineMs: Self.deadline(document))
            case "INVOKE":
                guard let requestID = document.root["requestId"]?.string else { continue }
                return .invoke(requestID: requestID, deadlineMs: Self.deadline(document))
            default:
                continue
            }
        }
    }

    /// `deadlineMs` as sent (a JSON number); 0 when missing.
    static func deadline(_ document: JSONDocument) -> Int64 {
        document.root["deadlineMs"].flatMap { Int64(String(decoding: $0.stringBytes, as: UTF8.self)) } ?? 0
    }
}
