/// How much a failed check matters; ordered so `--fail-on` can compare.
public enum Severity: String, Sendable, CaseIterable, Comparable, Codable {
    case info, low, medium, high, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One verdict of one check on one resource, before suppressions are applied.
public struct CheckResult: Sendable {
    public var ref: ResourceRef
    /// The line that causes the failure when it is narrower than the resource (a statement, a variable).
    public var line: Int?
    public var passed: Bool
    public var message: String

    public init(ref: ResourceRef, line: Int? = nil, passed: Bool, message: String) {
        self.ref = ref
        self.line = line
        self.passed = passed
        self.message = message
    }
}

/// A posture rule. Each lives in its own file under `Checks/`, with its Checkov equivalents so results
/// can be compared with that peer and so people who know Checkov's ids find ours.
public protocol PostureCheck: Sendable {
    var id: String { get }
    var title: String { get }
    var severity: Severity { get }
    /// Checkov ids with the same meaning, empty when Checkov has none.
    var equivalents: [String] { get }
    var remediation: String { get }
    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult]
}

/// Facts a check may need beyond the inventory, such as the day deprecations are measured against.
public struct CheckContext: Sendable {
    /// The day to judge dated facts (runtime deprecations) by, as `YYYY-MM-DD`.
    public var asOf: String

    public init(asOf: String) {
        self.asOf = asOf
    }
}

/// Every check Palisade ships, in report order.
public enum CheckRegistry {
    public static let all: [any PostureCheck] = [
        WildcardActionCheck(), AdminPolicyCheck(), SharedRoleCheck(), ConsoleCreatedFunctionCheck(),
        MultipleTriggerTypesCheck(), DeprecatedRuntimeCheck(), EnvironmentSecretsCheck(), EnvironmentEncryptionCheck(),
        DeadLetterCheck(), ReservedConcurrencyCheck(), VPCCheck(), TracingCheck(), PalisadeLayerCheck(), LogRetentionCheck(),
        FunctionURLAuthCheck(), FunctionURLCorsCheck(), ServicePermissionSourceCheck(), PublicBucketACLCheck(), OpenAPIRouteCheck(),
    ]

    public static func check(id: String) -> (any PostureCheck)? {
        all.first { $0.id == id }
    }

    /// One line per check: id, severity, title and Checkov equivalents.
    public static func describe() -> String {
        all.map { check in
            let equivalents = check.equivalents.isEmpty ? "" : "  [\(check.equivalents.joined(separator: ", "))]"
            return "\(check.id)  \(check.severity.rawValue)  \(check.title)\(equivalents)\n"
        }.joined()
    }

    /// The checks with the given ids, or all of them when none are given.
    public static func select(_ ids: [String]) throws(PostureError) -> [any PostureCheck] {
        guard !ids.isEmpty else { return all }
        var checks: [any PostureCheck] = []
        for id in ids {
            guard let check = check(id: id) else { throw PostureError(.invalidArgument, "unknown check `\(id)`") }
            checks.append(check)
        }
        return checks
    }
}
