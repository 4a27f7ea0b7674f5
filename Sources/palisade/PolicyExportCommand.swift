import ArgumentParser
import Foundation
import PalisadeConsoleClient

/// `palisade policy export`: a group's policy from the console, ready for `PALISADE_POLICY`.
struct PolicyExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print a group's policy from the console, for embedding as PALISADE_POLICY (used when the console is unreachable)."
    )

    @Option(help: "The console's URL. Default: $PALISADE_CONSOLE_URL")
    var console: String?

    @Option(help: "A management API token. Default: $PALISADE_TOKEN")
    var token: String?

    @Option(help: "The group id.")
    var group: String

    @Option(help: "Print only the settings that apply to this function (per-function rules resolved).")
    var function: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = console ?? environment["PALISADE_CONSOLE_URL"] else { throw ValidationError("--console or PALISADE_CONSOLE_URL is required") }
        guard let token = token ?? environment["PALISADE_TOKEN"] else { throw ValidationError("--token or PALISADE_TOKEN is required") }
        let endpoint: HTTPEndpoint
        do { endpoint = try HTTPEndpoint(url: url) } catch { throw ValidationError(error.description) }
        let path = function.map { "/api/v1/groups/\(group)/policy/effective?function=\(Self.queryEncoded($0))" }
            ?? "/api/v1/groups/\(group)/policy"
        let reply: HTTPReply
        do {
            reply = try await HTTPExchange.send(to: endpoint, method: "GET", path: path, headers: [("Authorization", "Bearer \(token)")])
        } catch {
            throw ValidationError(error.description)
        }
        guard reply.status == 200 else {
            throw ValidationError("the console answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        if function != nil {
            print(String(decoding: reply.body, as: UTF8.self))
        } else {
            // The management view wraps the document with its version; the agent wants the document.
            let view = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
            guard let document = view?["document"] else { throw ValidationError("the console's answer has no policy document") }
            let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    private static func queryEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~*"))) ?? text
    }
}
