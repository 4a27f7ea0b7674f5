/// The trigger an event came from, recognised from its shape.
public enum Trigger: String, Sendable, CaseIterable {
    case apiGatewayV1 = "api-gateway-rest"
    case httpAPIV2 = "api-gateway-http"
    case functionURL = "function-url"
    case alb
    case sqs
    case sns
    case s3
    case dynamoDB = "dynamodb"
    case kinesis
    case eventBridge = "eventbridge"
    case cognito
    case cloudWatchLogs = "cloudwatch-logs"
    case direct

    /// Triggers whose caller waits for an HTTP response shaped by the function.
    public var isHTTP: Bool {
        switch self {
        case .apiGatewayV1, .httpAPIV2, .functionURL, .alb: true
        default: false
        }
    }

    /// Triggers that deliver a batch of records from which poisoned ones can be taken out.
    public var isBatch: Bool {
        switch self {
        case .sqs, .kinesis, .dynamoDB: true
        default: false
        }
    }
}

/// The families of attack Palisade looks for; one spelling shared by agent, console and posture.
public enum AttackCategory: String, Sendable, CaseIterable, Comparable {
    case sqli, xss, cmdi, code, traversal, ssrf, nosql, proto, jndi, ssti

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One reason to call an event an attack: which rule matched which decoded input, and where it was.
public struct Finding: Sendable, Equatable {
    public var category: AttackCategory
    /// Stable rule id, e.g. `sqli.tautology` or `crs.942100`.
    public var rule: String
    public var message: String
    /// JSON path of the input in the event, e.g. `queryStringParameters.id` or `Records[2].body.note`.
    public var location: String
    /// The decoded fragment that matched, cut to `Finding.maxEvidence` bytes.
    public var evidence: String
    /// Index of the batch record the input belongs to, for SQS, Kinesis and DynamoDB streams.
    public var record: Int?

    public static let maxEvidence = 160

    public init(category: AttackCategory, rule: String, message: String, location: String, evidence: String, record: Int? = nil) {
        self.category = category
        self.rule = rule
        self.message = message
        self.location = location
        self.evidence = evidence
        self.record = record
    }
}

/// A batch record's place in the event, so a caller can rebuild the event without it.
public struct EventRecord: Sendable, Equatable {
    public var index: Int
    /// Byte range of the record's JSON object in the event.
    public var span: Range<Int>
}

/// What the detector concluded about one event.
public struct Verdict: Sendable {
    public var trigger: Trigger
    public var findings: [Finding]
    /// For batch triggers, every record with its place in the event.
    public var records: [EventRecord]
    /// Limits that cut inspection short (e.g. `inputs`), so a caller can tell a partial scan.
    public var truncated: [String]

    public var isAttack: Bool { !findings.isEmpty }

    /// Indices of batch records with at least one finding.
    public var poisonedRecords: Set<Int> { Set(findings.compactMap(\.record)) }

    public init(trigger: Trigger, findings: [Finding] = [], records: [EventRecord] = [], truncated: [String] = []) {
        self.trigger = trigger
        self.findings = findings
        self.records = records
        self.truncated = truncated
    }
}
