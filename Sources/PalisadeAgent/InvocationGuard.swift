import PalisadeDetect
import PalisadeJSON
import PalisadePolicy
import PalisadeSystem

/// What the proxy does with one event before the function sees it.
public enum InvocationAction: Sendable, Equatable {
    /// Hand the event to the function unchanged.
    case pass
    /// Hand the function this event instead: a batch without its poisoned records.
    case forward([UInt8])
    /// Answer the invocation with this response; the function never runs.
    case answer([UInt8])
    /// Fail the invocation with this error; the function never runs.
    case fail(type: String, body: [UInt8])
}

public struct InvocationDecision: Sendable {
    public var action: InvocationAction
    public var events: [SecurityEvent]
}

/// The facts about an invocation that events and answers need.
public struct InvocationFacts: Sendable {
    public var requestID: String
    public var function: String
    public var trigger: Trigger
    public var sourceIP: String?
    /// ALB and API Gateway REST events with `multiValueHeaders` expect answers in that form.
    public var multiValueHeaders: Bool

    public init(requestID: String, function: String, trigger: Trigger, sourceIP: String? = nil, multiValueHeaders: Bool = false) {
        self.requestID = requestID
        self.function = function
        self.trigger = trigger
        self.sourceIP = sourceIP
        self.multiValueHeaders = multiValueHeaders
    }

    /// Reads the caller's address from the places each HTTP trigger puts it.
    public init(requestID: String, function: String, verdict: Verdict, event: JSONDocument?) {
        self.init(requestID: requestID, function: function, trigger: verdict.trigger)
        guard let root = event?.root, verdict.trigger.isHTTP else { return }
        multiValueHeaders = root["multiValueHeaders"]?.kind == .object
        sourceIP = root.value(at: "requestContext", "identity", "sourceIp")?.string
            ?? root.value(at: "requestContext", "http", "sourceIp")?.string
            ?? root.value(at: "headers", "x-forwarded-for")?.string.map { String($0.split(separator: ",").first ?? "").trimmingSpaces }
    }
}

/// Turns a verdict into an action under the policy: report, or for mitigated findings a 403 for
/// HTTP triggers, dropped records for batches, and a failed invocation for everything else.
public struct InvocationGuard: Sendable {
    public static let blockedErrorType = "Palisade.AttackBlocked"

    public let policy: EffectivePolicy

    public init(policy: EffectivePolicy) {
        self.policy = policy
    }

    public func decide(_ verdict: Verdict, event: [UInt8], facts: InvocationFacts) -> InvocationDecision {
        guard verdict.isAttack else { return InvocationDecision(action: .pass, events: []) }
        let incident = RandomID.incident()
        let now = WallClock.millisecondsSinceEpoch()
        var events: [SecurityEvent] = []
        var blocking: [Finding] = []
        // One event per attack: the findings of one category at one input make one event, named by
        // the first rule, with the other rules that agreed listed in its message.
        var eventIndex: [FindingPlace: Int] = [:]
        for finding in verdict.findings {
            let mode = policy.mode(for: finding)
            guard mode != .off else { continue }
            if mode == .mitigate { blocking.append(finding) }
            let place = FindingPlace(category: finding.category, location: finding.location, record: finding.record)
            if let index = eventIndex[place] {
                events[index].message += (events[index].message.contains("; also ") ? ", " : "; also ") + finding.rule
                continue
            }
            eventIndex[place] = events.count
            events.append(SecurityEvent(
                timeMs: now, requestID: facts.requestID, function: facts.function, trigger: facts.trigger,
                sourceIP: facts.sourceIP, protection: .attack(finding.category), rule: finding.rule,
                message: finding.message, location: finding.location, evidence: finding.evidence, record: finding.record,
                action: mode == .mitigate ? .blocked : .reported, incident: incident
            ))
        }
        guard let first = blocking.first else { return InvocationDecision(action: .pass, events: events) }
        if facts.trigger.isHTTP {
            return InvocationDecision(action: .answer(BlockedAnswers.forbidden(facts, incident: incident)), events: events)
        }
        let poisoned = Set(blocking.compactMap(\.record))
        if facts.trigger.isBatch, blocking.allSatisfy({ $0.record != nil }), !verdict.records.isEmpty {
            let clean = verdict.records.filter { !poisoned.contains($0.index) }
            let action: InvocationAction = clean.isEmpty
                ? .answer(Array(#"{"batchItemFailures":[]}"#.utf8))
                : .forward(BatchFilter.event(event, keeping: clean, of: verdict.records))
            return InvocationDecision(action: action, events: events)
        }
        let message = "Palisade blocked the invocation: \(first.category.rawValue) in \(first.location) (incident \(incident))"
        return InvocationDecision(
            action: .fail(type: Self.blockedErrorType, body: BlockedAnswers.error(type: Self.blockedErrorType, message: message)),
            events: events
        )
    }
}

/// Where a finding is: one security event per place.
struct FindingPlace: Hashable {
    let category: AttackCategory
    let location: String
    let record: Int?
}

/// Rebuilds a batch event from the byte spans of the records it keeps.
enum BatchFilter {
    static func event(_ event: [UInt8], keeping kept: [EventRecord], of all: [EventRecord]) -> [UInt8] {
        guard let first = all.first, let last = all.last else { return event }
        var output = Array(event[..<first.span.lowerBound])
        for (position, record) in kept.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            output += event[record.span]
        }
        output += event[last.span.upperBound...]
        return output
    }
}

/// Answers the agent gives in the function's place, in each trigger's response shape.
enum BlockedAnswers {
    static func forbidden(_ facts: InvocationFacts, incident: String) -> [UInt8] {
        let body = #"{"message":"Forbidden","incidentId":\#(JSONEscapes.quoted(incident))}"#
        return httpResponse(status: 403, reason: "Forbidden", body: body, facts: facts)
    }

    /// A proxy-integration response object; ALB also wants a status description.
    static func httpResponse(status: Int, reason: String, body: String, facts: InvocationFacts) -> [UInt8] {
        let headers = facts.multiValueHeaders
            ? #""multiValueHeaders":{"Content-Type":["application/json"]}"#
            : #""headers":{"Content-Type":"application/json"}"#
        let description = facts.trigger == .alb ? #","statusDescription":"\#(status) \#(reason)""# : ""
        return Array(#"{"statusCode":\#(status)\#(description),\#(headers),"body":\#(JSONEscapes.quoted(body)),"isBase64Encoded":false}"#.utf8)
    }

    static func error(type: String, message: String) -> [UInt8] {
        Array(#"{"errorMessage":\#(JSONEscapes.quoted(message)),"errorType":\#(JSONEscapes.quoted(type)),"stackTrace":[]}"#.utf8)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
