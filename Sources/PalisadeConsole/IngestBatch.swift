import PalisadeConsoleProtocol
import PalisadeStore

/// The body of `POST /api/v1/ingest` as the agent sends it (docs/console-protocol.md).
struct IngestBatch {
    struct Agent {
        var function: String
        var region: String?
        var runtime: String?
        var layerVersion: String?
    }

    struct Event: Encodable {
        var id: String
        var time: String
        var kind: String
        var requestId: String
        var function: String
        var region: String?
        var runtime: String?
        var layerVersion: String?
        var trigger: String?
        var sourceIp: String?
        var category: String
        var rule: String
        var message: String
        var location: String
        var evidence: String
        var action: String
        var incidentId: String?
        var record: Int64?
        var command: String?
        var path: String?
        var host: String?
    }

    struct Counter {
        var function: String
        var invocations: Int64
        var from: String
        var to: String
    }

    var agent: Agent
    var events: [Event]
    var counters: [Counter]?

    static let maxEvents = 1000
    static let maxEvidenceBytes = 160
    static let maxFieldBytes = 2048
    static let kinds: Set<String> = ["attack", "behaviour", "response"]
    static let actions: Set<String> = ["reported", "blocked"]

    /// Checks every field and converts to what the store keeps; the first bad field is named.
    func validated() throws(ConsoleError) -> (AgentIdentity, [StoredEvent], [InvocationCount]) {
        guard events.count <= Self.maxEvents else {
            throw ConsoleError(.contentTooLarge, .bodyTooLarge, "a batch holds at most \(Self.maxEvents) events, this one \(events.count)")
        }
        try Self.check(agent.function, "agent.function")
        let identity = AgentIdentity(function: agent.function, region: agent.region, runtime: agent.runtime, layerVersion: agent.layerVersion)
        var stored: [StoredEvent] = []
        stored.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            // Field names are spelled out only for a refusal: this loop runs for every event.
            let at = { (name: String) in "events[\(index)].\(name)" }
            guard Self.isUUID(event.id) else { throw invalid(at("id"), "must be a UUID") }
            guard let time = RFC3339.parse(event.time) else { throw invalid(at("time"), "must be an RFC 3339 time, e.g. 2026-11-23T07:00:00Z") }
            guard Self.kinds.contains(event.kind) else { throw invalid(at("kind"), "must be attack, behaviour or response") }
            guard Self.actions.contains(event.action) else { throw invalid(at("action"), "must be reported or blocked") }
            try Self.check(event.requestId, at("requestId"))
            try Self.check(event.function, at("function"))
            try Self.check(event.category, at("category"))
            try Self.check(event.rule, at("rule"))
            try Self.check(event.location, at("location"))
            try Self.check(event.message, at("message"))
            // One call per field, not a loop over a list of them: that list cost an allocation per event.
            try Self.check(optional: event.region, at("region"))
            try Self.check(optional: event.runtime, at("runtime"))
            try Self.check(optional: event.layerVersion, at("layerVersion"))
            try Self.check(optional: event.trigger, at("trigger"))
            try Self.check(optional: event.sourceIp, at("sourceIp"))
            try Self.check(optional: event.incidentId, at("incidentId"))
            try Self.check(optional: event.command, at("command"))
            try Self.check(optional: event.path, at("path"))
            try Self.check(optional: event.host, at("host"))
            // Ids are kept in lower case; most arrive so, and lowercased() would copy every one.
            let id = event.id.utf8.contains { (65...90).contains($0) } ? event.id.lowercased() : event.id
            stored.append(StoredEvent(
                id: id, timeMs: time, kind: event.kind, requestId: event.requestId, function: event.function,
                region: event.region ?? agent.region, runtime: event.runtime ?? agent.runtime,
                layerVersion: event.layerVersion ?? agent.layerVersion, trigger: event.trigger, sourceIp: event.sourceIp,
                category: event.category, rule: event.rule, message: event.message, location: event.location,
                evidence: Self.truncated(event.evidence), action: event.action, incidentId: event.incidentId, record: event.record,
                command: event.command, path: event.path, host: event.host
            ))
        }
        var counts: [InvocationCount] = []
        for (index, counter) in (counters ?? []).enumerated() {
            let at = "counters[\(index)]"
            try Self.check(counter.function, "\(at).function")
            guard counter.invocations >= 0 else { throw invalid("\(at).invocations", "must not be negative") }
            guard let from = RFC3339.parse(counter.from), let to = RFC3339.parse(counter.to), from <= to else {
                throw invalid("\(at).from/to", "must be RFC 3339 times with from ≤ to")
            }
            counts.append(InvocationCount(function: counter.function, invocations: counter.invocations, fromMs: from, toMs: to))
        }
        return (identity, stored, counts)
    }

    private func invalid(_ field: String, _ reason: String) -> ConsoleError {
        ConsoleError(.badRequest, .invalidField, "\(field) \(reason)")
    }

    private static func check(_ value: String, _ field: @autoclosure () -> String, allowEmpty: Bool = false) throws(ConsoleError) {
        guard allowEmpty || !value.isEmpty else { throw ConsoleError(.badRequest, .invalidField, "\(field()) must not be empty") }
        guard value.utf8.count <= maxFieldBytes else { throw ConsoleError(.badRequest, .invalidField, "\(field()) is longer than \(maxFieldBytes) bytes") }
    }

    private static func check(optional value: String?, _ field: @autoclosure () -> String) throws(ConsoleError) {
        if let value { try check(value, field(), allowEmpty: true) }
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (48...57).contains(byte) || (97...102).contains(byte | 0x20) else { return false }
            }
        }
        return true
    }

    /// Evidence is cut at 160 bytes on a character boundary, as the agent should already have done.
    static func truncated(_ evidence: String) -> String {
        guard evidence.utf8.count > maxEvidenceBytes else { return evidence }
        var out = ""
        for character in evidence {
            guard out.utf8.count + character.utf8.count <= maxEvidenceBytes else { break }
            out.append(character)
        }
        return out
    }
}

extension IngestBatch.Event {
    /// The wire form of a stored event: what the API, the webhook and the agent's log line share.
    init(_ event: StoredEvent) {
        self.init(
            id: event.id, time: RFC3339.format(millisecondsSinceEpoch: event.timeMs), kind: event.kind, requestId: event.requestId,
            function: event.function, region: event.region, runtime: event.runtime, layerVersion: event.layerVersion,
            trigger: event.trigger, sourceIp: event.sourceIp, category: event.category, rule: event.rule, message: event.message,
            location: event.location, evidence: event.evidence, action: event.action, incidentId: event.incidentId,
            record: event.record, command: event.command, path: event.path, host: event.host
        )
    }
}
