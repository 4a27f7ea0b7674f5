import PalisadeJSON

/// Reads a batch with PalisadeJSON's tape reader: one pass over each object's members, strings
/// decoded once, no Foundation on the ingest path. Unknown members are ignored, as agents may be newer.
extension IngestBatch {
    static func decode(_ body: [UInt8]) throws(ConsoleError) -> IngestBatch {
        let root: JSONValue
        do { root = try JSONDocument(bytes: body).root } catch {
            throw ConsoleError(.badRequest, .malformedBody, "the body is not a JSON ingest batch (\(error.message))")
        }
        let reader = MemberReader(root, path: "")
        var agent: Agent?
        var events: [Event]?
        var counters: [Counter]?
        try reader.check(kind: .object)
        for (key, value) in root.members {
            switch key.string {
            case "agent": agent = try Agent(MemberReader(value, path: "agent"))
            case "events": events = try MemberReader(value, path: "events").array { reader throws(ConsoleError) in try Event(reader) }
            case "counters": if value.kind != .null { counters = try MemberReader(value, path: "counters").array { reader throws(ConsoleError) in try Counter(reader) } }
            default: continue
            }
        }
        return IngestBatch(agent: try reader.required(agent, "agent"), events: try reader.required(events, "events"), counters: counters)
    }
}

extension IngestBatch.Agent {
    init(_ reader: MemberReader) throws(ConsoleError) {
        try reader.check(kind: .object)
        var function: String?
        for (key, value) in reader.value.members {
            switch key.string {
            case "function": function = try reader.text(value, "function")
            case "region": region = try reader.optionalText(value, "region")
            case "runtime": runtime = try reader.optionalText(value, "runtime")
            case "layerVersion": layerVersion = try reader.optionalText(value, "layerVersion")
            default: continue
            }
        }
        self.function = try reader.required(function, "function")
    }
}

extension IngestBatch.Event {
    init(_ reader: MemberReader) throws(ConsoleError) {
        try reader.check(kind: .object)
        var id, time, kind, requestId, function, category, rule, message, location, evidence, action: String?
        var region, runtime, layerVersion, trigger, sourceIp, incidentId, command, path, host: String?
        var record: Int64?
        for (key, value) in reader.value.members {
            switch key.string {
            case "id": id = try reader.text(value, "id")
            case "time": time = try reader.text(value, "time")
            case "kind": kind = try reader.text(value, "kind")
            case "requestId": requestId = try reader.text(value, "requestId")
            case "function": function = try reader.text(value, "function")
            case "category": category = try reader.text(value, "category")
            case "rule": rule = try reader.text(value, "rule")
            case "message": message = try reader.text(value, "message")
            case "location": location = try reader.text(value, "location")
            case "evidence": evidence = try reader.text(value, "evidence")
            case "action": action = try reader.text(value, "action")
            case "region": region = try reader.optionalText(value, "region")
            case "runtime": runtime = try reader.optionalText(value, "runtime")
            case "layerVersion": layerVersion = try reader.optionalText(value, "layerVersion")
            case "trigger": trigger = try reader.optionalText(value, "trigger")
            case "sourceIp": sourceIp = try reader.optionalText(value, "sourceIp")
            case "incidentId": incidentId = try reader.optionalText(value, "incidentId")
            case "command": command = try reader.optionalText(value, "command")
            case "path": path = try reader.optionalText(value, "path")
            case "host": host = try reader.optionalText(value, "host")
            case "record": record = value.kind == .null ? nil : try reader.integer(value, "record")
            default: continue
            }
        }
        self.init(
            id: try reader.required(id, "id"), time: try reader.required(time, "time"), kind: try reader.required(kind, "kind"),
            requestId: try reader.required(requestId, "requestId"), function: try reader.required(function, "function"),
            region: region, runtime: runtime, layerVersion: layerVersion, trigger: trigger, sourceIp: sourceIp,
            category: try reader.required(category, "category"), rule: try reader.required(rule, "rule"),
            message: try reader.required(message, "message"), location: try reader.required(location, "location"),
            evidence: try reader.required(evidence, "evidence"), action: try reader.required(action, "action"),
            incidentId: incidentId, record: record, command: command, path: path, host: host
        )
    }
}

extension IngestBatch.Counter {
    init(_ reader: MemberReader) throws(ConsoleError) {
        try reader.check(kind: .object)
        var function, from, to: String?
        var invocations: Int64?
        for (key, value) in reader.value.members {
            switch key.string {
            case "function": function = try reader.text(value, "function")
            case "invocations": invocations = try reader.integer(value, "invocations")
            case "from": from = try reader.text(value, "from")
            case "to": to = try reader.text(value, "to")
            default: continue
            }
        }
        self.init(
            function: try reader.required(function, "function"), invocations: try reader.required(invocations, "invocations"),
            from: try reader.required(from, "from"), to: try reader.required(to, "to")
        )
    }
}

/// One JSON value of the batch with its path (`events[3]`), so that every refusal names the field.
struct MemberReader {
    let value: JSONValue
    private let parent: String
    private let index: Int?

    init(_ value: JSONValue, path: String) {
        self.value = value
        parent = path
        index = nil
    }

    private init(_ value: JSONValue, parent: String, index: Int) {
        self.value = value
        self.parent = parent
        self.index = index
    }

    /// Spelled out only for a refusal: an array's elements are read for every event.
    var path: String { index.map { "\(parent)[\($0)]" } ?? parent }

    func check(kind: JSONKind) throws(ConsoleError) {
        guard value.kind == kind else {
            if value.kind == .null, !path.isEmpty { throw ConsoleError(.badRequest, .malformedBody, "null at \(path)") }
            throw ConsoleError(.badRequest, .malformedBody, path.isEmpty ? "the body is not a JSON ingest batch" : "wrong type at \(path): expected \(kind == .object ? "an object" : "an array")")
        }
    }

    func array<Element>(_ element: (MemberReader) throws(ConsoleError) -> Element) throws(ConsoleError) -> [Element] {
        try check(kind: .array)
        var out: [Element] = []
        out.reserveCapacity(value.count)
        for (index, item) in value.elements.enumerated() {
            out.append(try element(MemberReader(item, parent: path, index: index)))
        }
        return out
    }

    func text(_ member: JSONValue, _ name: String) throws(ConsoleError) -> String {
        guard let text = try optionalText(member, name) else { throw ConsoleError(.badRequest, .malformedBody, "null at \(field(name))") }
        return text
    }

    func optionalText(_ member: JSONValue, _ name: String) throws(ConsoleError) -> String? {
        switch member.kind {
        case .string: return member.string
        case .null: return nil
        default: throw ConsoleError(.badRequest, .malformedBody, "wrong type at \(field(name)): expected a string")
        }
    }

    func integer(_ member: JSONValue, _ name: String) throws(ConsoleError) -> Int64 {
        guard member.kind == .number, let number = Int64(String(decoding: member.stringBytes, as: UTF8.self)) else {
            throw ConsoleError(.badRequest, .malformedBody, member.kind == .null ? "null at \(field(name))" : "wrong type at \(field(name)): expected a whole number")
        }
        return number
    }

    func required<Value>(_ value: Value?, _ name: String) throws(ConsoleError) -> Value {
        guard let value else { throw ConsoleError(.badRequest, .malformedBody, "missing field \(field(name))") }
        return value
    }

    private func field(_ name: String) -> String { path.isEmpty ? name : path + "." + name }
}
