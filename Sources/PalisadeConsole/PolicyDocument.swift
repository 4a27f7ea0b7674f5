import Foundation
import PalisadeDetect

/// A group's policy document, in the agent's policy schema (version, mode, protections, exceptions,
/// secrets, tmpCleanup, and per-function rules under `functions`). The console checks its shape and
/// resolves it for one function, so the agent receives exactly the settings that apply to it.
struct PolicyDocument: Sendable {
    private let root: [String: JSONTree]

    static let modes: Set<String> = ["off", "report", "mitigate"]
    static let protections: Set<String> = Set(AttackCategory.allCases.map(\.rawValue) + ["credential-leak", "verbose-errors"])
    static let settingKeys: Set<String> = ["mode", "protections", "exceptions", "secrets", "tmpCleanup"]

    /// Used while a group has saved none: report every attack, block nothing.
    static let initial = PolicyDocument(checked: ["version": .integer(1), "mode": .string("report")])

    private init(checked root: [String: JSONTree]) { self.root = root }

    init(json: [UInt8]) throws(ConsoleError) {
        let tree: JSONTree
        do { tree = try JSONDecoder().decode(JSONTree.self, from: Data(json)) } catch { throw Self.invalid("$", "is not JSON") }
        guard var object = tree.object else { throw Self.invalid("$", "must be a JSON object") }
        for key in object.keys where key != "version" && key != "functions" && !Self.settingKeys.contains(key) {
            throw Self.invalid(key, "is not a policy key (known: version, functions, \(Self.settingKeys.sorted().joined(separator: ", ")))")
        }
        if let version = object["version"], version != .integer(1) { throw Self.invalid("version", "must be 1") }
        try Self.checkSettings(object, at: "")
        if let functions = object["functions"] {
            guard let rules = functions.array else { throw Self.invalid("functions", "must be an array of rules") }
            for (index, rule) in rules.enumerated() {
                guard let rule = rule.object else { throw Self.invalid("functions[\(index)]", "must be an object") }
                guard let name = rule["name"]?.string, !name.isEmpty else {
                    throw Self.invalid("functions[\(index)].name", "must be a non-empty function name pattern, e.g. orders-*")
                }
                for key in rule.keys where key != "name" && !Self.settingKeys.contains(key) {
                    throw Self.invalid("functions[\(index)].\(key)", "is not a function rule key")
                }
                try Self.checkSettings(rule, at: "functions[\(index)].")
            }
        }
        object["version"] = .integer(1)
        root = object
    }

    /// Canonical JSON text (sorted keys): what is stored and shown in the editor.
    var text: String { JSONTree.object(root).canonicalText }

    private static func checkSettings(_ object: [String: JSONTree], at prefix: String) throws(ConsoleError) {
        if let mode = object["mode"], !modes.contains(mode.string ?? "") { throw invalid("\(prefix)mode", "must be off, report or mitigate") }
        if let protections = object["protections"] {
            guard let protections = protections.object else { throw invalid("\(prefix)protections", "must be an object of protection: mode") }
            for (name, mode) in protections {
                guard Self.protections.contains(name) else {
                    throw invalid("\(prefix)protections.\(name)", "is not a protection (known: \(Self.protections.sorted().joined(separator: ", ")))")
                }
                guard modes.contains(mode.string ?? "") else { throw invalid("\(prefix)protections.\(name)", "must be off, report or mitigate") }
            }
        }
        if let exceptions = object["exceptions"] {
            guard let list = exceptions.array else { throw invalid("\(prefix)exceptions", "must be an array") }
            for (index, item) in list.enumerated() {
                let at = "\(prefix)exceptions[\(index)]"
                guard let rule = item.object, let location = rule["location"]?.string, !location.isEmpty else {
                    throw invalid("\(at).location", "must be a non-empty location pattern")
                }
                if let pattern = rule["pattern"], pattern.string == nil { throw invalid("\(at).pattern", "must be a string") }
                if let names = rule["protections"] {
                    guard let names = names.array, names.allSatisfy({ Self.protections.contains($0.string ?? "") }) else {
                        throw invalid("\(at).protections", "must be a list of protection names")
                    }
                }
            }
        }
        if let secrets = object["secrets"], !(secrets.array?.allSatisfy { $0.string != nil } ?? false) {
            throw invalid("\(prefix)secrets", "must be a list of environment variable names")
        }
        if let cleanup = object["tmpCleanup"], cleanup.object == nil { throw invalid("\(prefix)tmpCleanup", "must be an object") }
    }

    private static func invalid(_ path: String, _ reason: String) -> ConsoleError {
        ConsoleError(.unprocessableContent, .invalidPolicy, "\(path) \(reason)")
    }

    /// The settings for one function: the top level, overlaid by the first rule whose pattern matches.
    /// Modes replace; exceptions and secrets add up (the agent's own rule for function rules).
    func effective(for function: String) -> String {
        var settings = root.filter { $0.key != "functions" }
        let rules = root["functions"]?.array?.compactMap(\.object) ?? []
        if let rule = rules.first(where: { Self.matches(pattern: $0["name"]?.string ?? "", name: function) }) {
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

    /// Glob on function names: `*` any run of characters, `?` one character.
    static func matches(pattern: String, name: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let name = Array(name.unicodeScalars)
        var p = 0, n = 0, star = -1, resume = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                resume = n
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                n = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
