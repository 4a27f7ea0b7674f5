/// A team's space: its functions, policy and events. Agents authenticate with its key and secret.
public struct GroupRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var key: String
    public var secret: String
    /// The secret before the last rotation; still accepted until the rotation is finished.
    public var previousSecret: String?
    public var createdMs: Int64

    public init(id: String, name: String, key: String, secret: String, previousSecret: String? = nil, createdMs: Int64) {
        self.id = id
        self.name = name
        self.key = key
        self.secret = secret
        self.previousSecret = previousSecret
        self.createdMs = createdMs
    }
}

/// A management API token, stored by its SHA-256 only; `groupId == nil` means an administrator.
public struct TokenRecord: Sendable, Equatable {
    public var hash: String
    public var name: String
    public var groupId: String?
    public var createdMs: Int64

    public init(hash: String, name: String, groupId: String?, createdMs: Int64) {
        self.hash = hash
        self.name = name
        self.groupId = groupId
        self.createdMs = createdMs
    }
}

/// One saved version of a group's policy document (the agent's policy schema, with per-function rules).
public struct PolicyRevision: Sendable, Equatable {
    public var groupId: String
    public var version: Int64
    public var document: String
    public var createdMs: Int64
}

/// A security event as the agent reported it (docs/console-protocol.md), plus where it was filed.
public struct StoredEvent: Sendable, Equatable, Codable {
    public var id: String
    public var timeMs: Int64
    public var kind: String
    public var requestId: String
    public var function: String
    public var region: String?
    public var runtime: String?
    public var layerVersion: String?
    public var trigger: String?
    public var sourceIp: String?
    public var category: String
    public var rule: String
    public var message: String
    public var location: String
    public var evidence: String
    public var action: String
    public var incidentId: String?
    public var record: Int64?
    public var command: String?
    public var path: String?
    public var host: String?

    public init(
        id: String, timeMs: Int64, kind: String, requestId: String, function: String, region: String? = nil,
        runtime: String? = nil, layerVersion: String? = nil, trigger: String? = nil, sourceIp: String? = nil,
        category: String, rule: String, message: String, location: String, evidence: String, action: String,
        incidentId: String? = nil, record: Int64? = nil, command: String? = nil, path: String? = nil, host: String? = nil
    ) {
        self.id = id
        self.timeMs = timeMs
        self.kind = kind
        self.requestId = requestId
        self.function = function
        self.region = region
        self.runtime = runtime
        self.layerVersion = layerVersion
        self.trigger = trigger
        self.sourceIp = sourceIp
        self.category = category
        self.rule = rule
        self.message = message
        self.location = location
        self.evidence = evidence
        self.action = action
        self.incidentId = incidentId
        self.record = record
        self.command = command
        self.path = path
        self.host = host
    }
}

/// The agent that sent a batch: it marks its function as protected and sets its runtime and version.
public struct AgentIdentity: Sendable, Equatable {
    public var function: String
    public var region: String?
    public var runtime: String?
    public var layerVersion: String?

    public init(function: String, region: String?, runtime: String?, layerVersion: String?) {
        self.function = function
        self.region = region
        self.runtime = runtime
        self.layerVersion = layerVersion
    }
}

/// Invocations of one function in one interval; the interval makes a retried counter count once.
public struct InvocationCount: Sendable, Equatable {
    public var function: String
    public var invocations: Int64
    public var fromMs: Int64
    public var toMs: Int64

    public init(function: String, invocations: Int64, fromMs: Int64, toMs: Int64) {
        self.function = function
        self.invocations = invocations
        self.fromMs = fromMs
        self.toMs = toMs
    }
}

/// A signed request's nonce, spent in the same transaction as the batch it came with: the batch is
/// filed exactly when the nonce is new, so a replay is refused and a failed batch can be resent.
public struct NonceClaim: Sendable, Equatable {
    public var value: String
    public var expiresMs: Int64
    /// Nonces that expired before this time are forgotten.
    public var nowMs: Int64

    public init(value: String, expiresMs: Int64, nowMs: Int64) {
        self.value = value
        self.expiresMs = expiresMs
        self.nowMs = nowMs
    }
}

public struct IngestOutcome: Sendable, Equatable {
    public var accepted: Int { acceptedIds.count }
    public var duplicates: Int
    /// Ids of the events that were new; retried ones are left out (and must not be forwarded again).
    public var acceptedIds: Set<String>
}

/// A function as the console knows it: registered by an inventory, or seen through its agent.
public struct FunctionRecord: Sendable, Equatable, Codable {
    public var name: String
    public var runtime: String?
    public var region: String?
    public var layerVersion: String?
    public var firstSeenMs: Int64?
    public var lastSeenMs: Int64?
    public var invocations: Int64
    /// An agent has reported from it (a function only registered is deployed but unprotected).
    public var protected: Bool
}

/// Filters of the events list; every one is optional and they combine with AND.
public struct EventQuery: Sendable, Equatable {
    public var groupId: String
    public var fromMs: Int64?
    public var toMs: Int64?
    public var function: String?
    public var category: String?
    public var action: String?
    public var kind: String?
    public var sourceIp: String?
    /// Substring of the message, rule, location, evidence or request id.
    public var text: String?
    public var limit: Int
    /// From a previous page's `nextCursor`: continue with older events.
    public var before: EventCursor?

    public init(groupId: String, limit: Int = 50) {
        self.groupId = groupId
        self.limit = limit
    }
}

/// Position in the newest-first events list: (time, sequence) is unique and stable while rows arrive.
public struct EventCursor: Sendable, Equatable {
    public var timeMs: Int64
    public var seq: Int64

    public init(timeMs: Int64, seq: Int64) {
        self.timeMs = timeMs
        self.seq = seq
    }

    public init?(token: String) {
        let parts = token.split(separator: "-")
        guard parts.count == 2, let time = Int64(parts[0]), let seq = Int64(parts[1]) else { return nil }
        self.init(timeMs: time, seq: seq)
    }

    public var token: String { "\(timeMs)-\(seq)" }
}

public struct EventPage: Sendable, Equatable {
    public var events: [StoredEvent]
    public var nextCursor: EventCursor?
}

/// The dashboard's numbers for one group over a time range.
public struct GroupStats: Sendable, Equatable {
    public var deployedFunctions: Int64
    public var protectedFunctions: Int64
    public var invocations: Int64
    public var attacks: Int64
    public var blocked: Int64
    public var reported: Int64
    public var byCategory: [String: Int64]
    /// Events per time bucket (bucket start in ms → count), oldest first.
    public var overTime: [(bucketMs: Int64, count: Int64)]

    public static func == (lhs: GroupStats, rhs: GroupStats) -> Bool {
        lhs.deployedFunctions == rhs.deployedFunctions && lhs.protectedFunctions == rhs.protectedFunctions
            && lhs.invocations == rhs.invocations && lhs.attacks == rhs.attacks && lhs.blocked == rhs.blocked
            && lhs.reported == rhs.reported && lhs.byCategory == rhs.byCategory
            && lhs.overTime.map(\.bucketMs) == rhs.overTime.map(\.bucketMs) && lhs.overTime.map(\.count) == rhs.overTime.map(\.count)
    }
}
