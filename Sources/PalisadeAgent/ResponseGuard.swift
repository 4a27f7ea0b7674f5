import PalisadeDetect
import PalisadeJSON
import PalisadePolicy
import PalisadeSystem

/// What to do with a function's response before it leaves.
public enum ResponseAction: Sendable, Equatable {
    case pass
    /// Send this response instead (a masked error or a withheld response for HTTP triggers).
    case replace([UInt8])
    /// Turn the response into this invocation error (non-HTTP triggers).
    case fail(type: String, body: [UInt8])
}

public struct ResponseDecision: Sendable {
    public var action: ResponseAction
    public var events: [SecurityEvent]
}

/// Checks responses for the function's own credentials, policy-listed secrets and stack traces in
/// 5xx bodies. Secrets are compared as bytes, so nothing is decoded that the caller would not see.
public struct ResponseGuard: Sendable {
    public static let withheldErrorType = "Palisade.ResponseWithheld"

    /// Values that must never leave: the function's credentials and the secrets the policy names.
    let secrets: [Secret]
    let policy: EffectivePolicy

    struct Secret: Sendable {
        let name: String
        /// The value as is, and as JSON writers that escape `/` write it.
        let forms: [[UInt8]]
    }

    public init(policy: EffectivePolicy, environment: [String: String]) {
        self.policy = policy
        let names = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID"] + policy.secrets
        secrets = names.compactMap { name in
            // Short values would match by chance; no real credential or secret is this short.
            guard let value = environment[name], value.utf8.count >= 8 else { return nil }
            let plain = Array(value.utf8)
            let escaped = Array(value.replacingSlashes.utf8)
            return Secret(name: name, forms: plain == escaped ? [plain] : [plain, escaped])
        }
    }

    public func inspect(_ response: [UInt8], facts: InvocationFacts) -> ResponseDecision {
        // Drawn only when something is found: most responses are clean.
        lazy var incident = RandomID.incident()
        var events: [SecurityEvent] = []
        func event(_ protection: Protection, _ rule: String, _ message: String, _ location: String, _ evidence: String, _ mode: Mode) {
            events.append(self.event(protection, rule: rule, message: message, location: location, evidence: evidence, mode: mode, facts: facts, incident: incident))
        }

        // Parsed once, when a check needs it, for both checks of an HTTP trigger's response.
        lazy var document = facts.trigger.isHTTP ? try? JSONDocument(bytes: response) : nil
        let leakMode = policy.mode(for: .credentialLeak)
        if leakMode != .off, let leak = firstLeak(in: response) ?? document.flatMap(Self.decodedBody).flatMap(firstLeak) {
            event(.credentialLeak, leak.rule, "a secret of the function in its response", "response", leak.evidence, leakMode)
            if leakMode == .mitigate {
                if facts.trigger.isHTTP {
                    let body = #"{"message":"Internal Server Error","incidentId":\#(JSONEscapes.quoted(incident))}"#
                    return ResponseDecision(action: .replace(BlockedAnswers.httpResponse(status: 500, reason: "Internal Server Error", body: body, facts: facts)), events: events)
                }
                let message = "Palisade withheld a response carrying \(leak.evidence) (incident \(incident))"
                return ResponseDecision(action: .fail(type: Self.withheldErrorType, body: BlockedAnswers.error(type: Self.withheldErrorType, message: message)), events: events)
            }
        }

        let errorMode = policy.mode(for: .verboseErrors)
        if errorMode != .off, let trace = document.flatMap(Self.stackTrace(inServerError:)) {
            event(.verboseErrors, trace.rule, "a stack trace in a 5xx response body", "response.body", trace.evidence, errorMode)
            if errorMode == .mitigate {
                let body = #"{"message":"Internal Server Error","incidentId":\#(JSONEscapes.quoted(incident))}"#
                return ResponseDecision(action: .replace(BlockedAnswers.httpResponse(status: trace.status, reason: "Internal Server Error", body: body, facts: facts)), events: events)
            }
        }
        return ResponseDecision(action: .pass, events: events)
    }

    func event(_ protection: Protection, rule: String, message: String, location: String, evidence: String, mode: Mode, facts: InvocationFacts, incident: String) -> SecurityEvent {
        SecurityEvent(
            timeMs: WallClock.millisecondsSinceEpoch(), requestID: facts.requestID, function: facts.function,
            trigger: facts.trigger, sourceIP: facts.sourceIP, protection: protection, rule: rule, message: message, location: location,
            evidence: evidence, record: nil, action: mode == .mitigate ? .blocked : .reported, incident: incident
        )
    }

    /// Masks secrets inside one chunk of a streamed response (already-sent chunks cannot be recalled).
    public func redact(_ chunk: inout [UInt8]) -> String? {
        var found: String?
        for secret in secrets {
            for form in secret.forms {
                while let range = ByteSearch.firstRange(of: form, in: chunk) {
                    chunk.replaceSubrange(range, with: repeatElement(UInt8(ascii: "*"), count: range.count))
                    found = secret.name
                }
            }
        }
        if let keyID = Self.accessKeyID(in: chunk) {
            chunk.replaceSubrange(keyID, with: repeatElement(UInt8(ascii: "*"), count: keyID.count))
            found = found ?? "access-key-id"
        }
        return found
    }

    func firstLeak(in response: [UInt8]) -> (rule: String, evidence: String)? {
        for secret in secrets where secret.forms.contains(where: { ByteSearch.firstRange(of: $0, in: response) != nil }) {
            return ("secret.\(secret.name)", "value of \(secret.name)")
        }
        if let range = Self.accessKeyID(in: response) {
            return ("credential.access-key-id", String(decoding: response[range].prefix(4), as: UTF8.self) + "…")
        }
        return nil
    }

    /// The body of a proxy-integration response as the caller receives it (unescaped, base64 undone),
    /// so that secrets encoded twice, or in base64, are found as well.
    static func decodedBody(_ document: JSONDocument) -> [UInt8]? {
        guard let body = document.root["body"], body.kind == .string else { return nil }
        let bytes = body.stringBytes
        return document.root["isBase64Encoded"]?.isTrue == true ? Base64.decode(bytes) : bytes
    }

    /// An AWS access key id (`AKIA`/`ASIA` + 16 upper-case letters or digits) standing on its own.
    static func accessKeyID(in bytes: [UInt8]) -> Range<Int>? {
        func isKeyByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        var found: Range<Int>?
        for prefix in keyIDPrefixes {
            var start = 0
            while let range = ByteSearch.firstRange(of: prefix, in: bytes, from: start), range.lowerBound < (found?.lowerBound ?? .max) {
                let index = range.lowerBound
                if index + 20 <= bytes.count, index == 0 || !isKeyByte(bytes[index - 1]),
                   bytes[index + 4..<index + 20].allSatisfy(isKeyByte), index + 20 == bytes.count || !isKeyByte(bytes[index + 20]) {
                    found = index..<index + 20
                    break
                }
                start = index + 1
            }
        }
        return found
    }

    static let keyIDPrefixes = [Array("AKIA".utf8), Array("ASIA".utf8)]

    static let traceMarkers: [(rule: String, marker: [UInt8])] = [
        ("error.python-traceback", Array("Traceback (most recent call last)".utf8)),
        ("error.node-stack", Array("\n    at ".utf8)),
        ("error.node-stack", Array("\\n    at ".utf8)),
        ("error.java-stack", Array("\n\tat ".utf8)),
        ("error.java-stack", Array("\\n\\tat ".utf8)),
        ("error.java-stack", Array("Exception in thread \"".utf8)),
    ]

    /// A stack trace in the body of a proxy-integration response whose status is 5xx.
    static func stackTrace(inServerError document: JSONDocument) -> (rule: String, evidence: String, status: Int)? {
        guard let statusValue = document.root["statusCode"],
              let status = Int(String(decoding: statusValue.stringBytes, as: UTF8.self)), (500...599).contains(status),
              let body = document.root["body"]?.stringBytes else { return nil }
        for (rule, marker) in traceMarkers {
            if let range = ByteSearch.firstRange(of: marker, in: body) {
                let evidence = body[max(0, range.lowerBound - 40)..<min(body.count, range.upperBound + 40)]
                return (rule, String(decoding: evidence, as: UTF8.self), status)
            }
        }
        return nil
    }
}

extension String {
    var replacingSlashes: String {
        var result = ""
        for character in self { result += character == "/" ? "\\/" : String(character) }
        return result
    }
}
