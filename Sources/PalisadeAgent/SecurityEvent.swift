import PalisadeBehaviour
import PalisadeDetect
import PalisadeJSON
import PalisadePolicy
import PalisadeSystem

/// What the agent did about a finding.
public enum SecurityAction: String, Sendable {
    /// Recorded only; the function ran as usual.
    case reported
    /// Stopped: request answered with 403, record dropped, invocation failed or response withheld.
    case blocked
    /// Learn mode: an allowed operation of the function, recorded so a policy can be drafted from the
    /// run. Kept out of the console, which counts findings.
    case observed
}

/// One security event: a line in CloudWatch Logs and, when a console is configured, a row there
/// (the same object: docs/console-protocol.md).
public struct SecurityEvent: Sendable, Equatable {
    public static let maxEvidence = 120

    /// Idempotency key: a batch sent twice stores each event once.
    public var id: String
    public var timeMs: Int64
    public var requestID: String
    public var function: String
    public var trigger: Trigger
    public var sourceIP: String?
    public var protection: Protection
    public var rule: String
    /// What was found, for people: the detector's message or the guard's.
    public var message: String
    public var location: String
    public var evidence: String
    public var record: Int?
    public var action: SecurityAction
    /// Shared by every event of one invocation and shown to the caller in a 403 or masked error.
    public var incident: String
    /// For the behaviour guard's events: what the process did, and which input made it do that.
    public var behaviour: BehaviourDetails?

    public init(timeMs: Int64, requestID: String, function: String, trigger: Trigger, sourceIP: String?, protection: Protection, rule: String, message: String, location: String, evidence: String, record: Int?, action: SecurityAction, incident: String, behaviour: BehaviourDetails? = nil, id: String? = nil) {
        // Time-ordered (UUIDv7), so the console files it at the end of its id index.
        self.id = id ?? RandomID.uuidV7(millisecondsSinceEpoch: timeMs)
        self.timeMs = timeMs
        self.requestID = requestID
        self.function = function
        self.trigger = trigger
        self.sourceIP = sourceIP
        self.protection = protection
        self.rule = rule
        self.message = message
        self.location = location
        self.evidence = evidence
        self.record = record
        self.action = action
        self.incident = incident
        self.behaviour = behaviour
    }

    /// The JSON line; `"palisade":"security-event"` lets a log filter pick these lines out.
    public var jsonLine: [UInt8] {
        var fields: [(String, String)] = [
            ("palisade", JSONEscapes.quoted("security-event")),
            ("id", JSONEscapes.quoted(id)),
            ("kind", JSONEscapes.quoted(kind)),
            ("time", JSONEscapes.quoted(WallClock.iso8601(millisecondsSinceEpoch: timeMs))),
            ("requestId", JSONEscapes.quoted(requestID)),
            ("function", JSONEscapes.quoted(function)),
            ("trigger", JSONEscapes.quoted(trigger.rawValue)),
        ]
        if let sourceIP { fields.append(("sourceIp", JSONEscapes.quoted(sourceIP))) }
        fields += [
            ("category", JSONEscapes.quoted(protection.name)),
            ("rule", JSONEscapes.quoted(rule)),
            ("message", JSONEscapes.quoted(message)),
            ("location", JSONEscapes.quoted(location)),
            ("evidence", JSONEscapes.quoted(Self.truncated(evidence))),
        ]
        if let record { fields.append(("record", String(record))) }
        fields += [("action", JSONEscapes.quoted(action.rawValue)), ("incidentId", JSONEscapes.quoted(incident))]
        if let behaviour { fields += behaviour.fields }
        return Array(("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n").utf8)
    }

    /// The console's grouping: a finding in the event, in what the function did, or in its response.
    public var kind: String {
        switch protection {
        case .attack: "attack"
        case .behaviour: "behaviour"
        case .credentialLeak, .verboseErrors: "response"
        }
    }

    /// Commands and paths in behaviour events are kept longer than evidence: they are the finding.
    static let maxSubject = 1024

    static func truncated(_ text: String, limit: Int = maxEvidence) -> String {
        guard text.utf8.count > limit else { return text }
        return String(decoding: text.utf8.prefix(limit), as: UTF8.self) + "…"
    }
}

/// CloudWatch Embedded Metric Format: one line per invocation with a count per protection and action,
/// so dashboards and alarms need no log parsing.
enum MetricLine {
    static func make(for events: [SecurityEvent]) -> [UInt8]? {
        guard let first = events.first else { return nil }
        var counts: [String: Int] = [:]
        for event in events { counts["\(event.protection.name).\(event.action.rawValue)", default: 0] += 1 }
        let names = counts.keys.sorted()
        let metrics = names.map { #"{"Name":\#(JSONEscapes.quoted($0)),"Unit":"Count"}"# }.joined(separator: ",")
        let values = names.map { "\(JSONEscapes.quoted($0)):\(counts[$0] ?? 0)" }.joined(separator: ",")
        let line = #"{"_aws":{"Timestamp":\#(first.timeMs),"CloudWatchMetrics":[{"Namespace":"Palisade","Dimensions":[["FunctionName","Trigger"]],"Metrics":[\#(metrics)]}]},"FunctionName":\#(JSONEscapes.quoted(first.function)),"Trigger":\#(JSONEscapes.quoted(first.trigger.rawValue)),\#(values)}"#
        return Array((line + "\n").utf8)
    }
}
