import Foundation
import PalisadePolicy

/// A group's policy document, in the agent's policy schema (docs/agent.md: modes, protections,
/// exceptions, secrets, tmpCleanup, and per-function rules under `functions`). The console checks its shape and
/// resolves it for one function, so the agent receives exactly the settings that apply to it.
struct PolicyDocument: Sendable {
    private let root: [String: JSONTree]

    /// Used while a group has saved none: report every attack, block nothing.
    static let initial = PolicyDocument(checked: ["version": .integer(1), "mode": .string("report")])

    private init(checked root: [String: JSONTree]) { self.root = root }

    /// Checked by the agent's own policy reader, so that the console accepts exactly what agents apply;
    /// every issue is named with its JSON path.
    init(json: [UInt8]) throws(ConsoleError) {
        do {
            _ = try Policy(json: json)
        } catch {
            throw ConsoleError(.unprocessableContent, .invalidPolicy, error.description)
        }
        guard let tree = try? JSONDecoder().decode(JSONTree.self, from: Data(json)), var object = tree.object else {
            throw ConsoleError(.unprocessableContent, .invalidPolicy, "$: must be a JSON object")
        }
        object["version"] = .integer(1)
        root = object
    }

    /// Canonical JSON text (sorted keys): what is stored and shown in the editor.
    var text: String { JSONTree.object(root).canonicalText }

    /// The settings for one function: the top level, overlaid by the first rule whose pattern matches.
    /// Modes replace; exceptions and secrets add up (the agent's own rule for function rules).
    func effective(for function: String) -> String {
        var settings = root.filter { $0.key != "functions" }
        let rules = root["functions"]?.array?.compactMap(\.object) ?? []
        if let rule = rules.first(where: { Glob($0["name"]?.string ?? "").matches(function) }) {
            for (key, value) in rule where key != "name" {
                switch key {
                case "protections":
                    var merged = settings["protections"]?.object ?? [:]
                    merged.merge(value.object ?? [:]) { _, rule in rule }
                    settings["protections"] = .object(merged)
                case "exceptions", "secrets":
                    settings[key] = .array((settings[key]?.array ?? []) + (value.array ?? []))
                default:
                    settings[key] = value
                }
            }
        }
        return JSONTree.object(settings).canonicalText
    }
}
