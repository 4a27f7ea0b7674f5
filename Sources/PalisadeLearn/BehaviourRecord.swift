import PalisadeJSON

/// One behaviour event of a recorded run, as the agent wrote it (`"palisade":"security-event"` with
/// category process, file or network): what the function did and whether it may enter a draft.
public struct BehaviourRecord: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        /// `command` is argv joined by single spaces; `script` the `-c` text of a shell, when there is one.
        case process(command: String, script: String?)
        case file(path: String, write: Bool)
        /// `host` is the name when known; `address` the IP literal; either may be absent.
        case network(host: String?, address: String?, port: Int?)
    }

    public var operation: Operation
    public var function: String?
    public var rule: String
    public var action: String
    /// Why this operation must not be allowed, or `nil` when it is part of the function's normal run.
    public var attack: String?
}

/// What a line of an events file or agent log turned out to be.
public enum RecordLine: Sendable, Equatable {
    case record(BehaviourRecord)
    /// Not a behaviour event: a log line, an injection finding, a metric line, a blocked call.
    case skipped
    /// Looked like an event but could not be read; `reason` says why.
    case malformed(reason: String)
}

extension BehaviourRecord {
    /// Rules that match the agent's built-in denials: a run that did this was attacked, or a
    /// default protection stopped it; learn mode never turns them into allow rules.
    static let attackRules: Set<String> = [
        "process.input-injection", "network.metadata-endpoint", "file.read-denied", "file.write-protected",
    ]

    /// Reads one line; never throws, whatever the line holds.
    public static func parse(line: ArraySlice<UInt8>) -> RecordLine {
        let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 }
        guard trimmed.first == UInt8(ascii: "{") else { return .skipped }
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: Array(trimmed.reversed().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }.reversed()))
        } catch {
            return .malformed(reason: error.description)
        }
        let root = document.root
        guard root.kind == .object, root["palisade"]?.stringEquals("security-event") == true else { return .skipped }
        guard let category = root["category"]?.string, ["process", "file", "network"].contains(category) else { return .skipped }
        guard let action = root["action"]?.string, let rule = root["rule"]?.string else {
            return .malformed(reason: "a \(category) event without action or rule")
        }
        guard action == "observed" || action == "reported" else { return .skipped }
        let operation: Operation
        switch category {
        case "process":
            guard let command = root["command"]?.string, !command.isEmpty else { return .malformed(reason: "a process event without command") }
            operation = .process(command: command, script: root["script"]?.string)
        case "file":
            guard let path = root["path"]?.string, !path.isEmpty else { return .malformed(reason: "a file event without path") }
            let write = root["access"]?.string == "write" || rule.contains("write")
            operation = .file(path: path, write: write)
        default:
            let host = root["host"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            let address = root["address"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            guard host != nil || address != nil else { return .malformed(reason: "a network event without host or address") }
            var port: Int?
            if let value = root["port"] {
                port = value.kind == .number ? Int(String(decoding: value.stringBytes, as: UTF8.self)) : value.string.flatMap { Int($0) }
                guard let port, (0...65535).contains(port) else { return .malformed(reason: "a network event with port \(String(decoding: value.stringBytes, as: UTF8.self))") }
            }
            operation = .network(host: host, address: address, port: port)
        }
        var attack: String?
        if let input = root["input"], input.kind == .object {
            let location = input["location"]?.string ?? "an input"
            let why = input["why"]?.string.map { ": \($0)" } ?? ""
            attack = "caused by \(location)\(why)"
        } else if attackRules.contains(rule) {
            attack = rule
        }
        return .record(BehaviourRecord(operation: operation, function: root["function"]?.string, rule: rule, action: action, attack: attack))
    }
}
