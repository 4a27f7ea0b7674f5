import PalisadeDetect

/// How strongly one protection acts.
public enum Mode: String, Sendable, CaseIterable {
    /// Not looked for.
    case off
    /// Looked for and recorded as a security event; the function runs as usual.
    case report
    /// Looked for and stopped: the request is answered with a 403, records are dropped, or the
    /// response is withheld.
    case mitigate
}

/// One thing the agent can protect against; each has its own mode in a policy.
public enum Protection: Hashable, Sendable, CustomStringConvertible {
    /// An injection found in the event by the detection core.
    case attack(AttackCategory)
    /// A response that carries the function's AWS credentials or a secret the policy names.
    case credentialLeak
    /// A 5xx response whose body shows a stack trace.
    case verboseErrors
    /// A process, file or network operation of the function that its policy does not allow; set
    /// under `behaviour` in a policy, not under `protections`.
    case behaviour(BehaviourArea)

    public static let all: [Protection] = AttackCategory.allCases.map(Protection.attack) + [.credentialLeak, .verboseErrors]

    /// The spelling in policies and security events.
    public var name: String {
        switch self {
        case .attack(let category): category.rawValue
        case .credentialLeak: "credential-leak"
        case .verboseErrors: "verbose-errors"
        case .behaviour(let area): area.rawValue
        }
    }

    public init?(name: String) {
        guard let match = Protection.all.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    public var description: String { name }
}
