import PalisadeDetect

/// A policy as written: defaults for every function plus rules that target functions by name.
public struct Policy: Sendable, Equatable {
    public static let currentVersion = 1

    /// Settings that apply to every function.
    public var base: PolicySettings
    /// Per-function rules; the first whose pattern matches the function's name is laid over `base`.
    public var functions: [FunctionRule]

    public init(base: PolicySettings = .init(), functions: [FunctionRule] = []) {
        self.base = base
        self.functions = functions
    }

    /// The settings for one function. `defaultMode` (from `PALISADE_MODE`) replaces the policy's own
    /// default mode; modes the policy sets per protection still win over it.
    public func resolved(functionName: String, defaultMode: Mode? = nil) -> EffectivePolicy {
        var settings = base
        if let rule = functions.first(where: { $0.name.matches(functionName) }) {
            settings.overlay(rule.settings)
        }
        if let defaultMode { settings.mode = defaultMode }
        return EffectivePolicy(settings: settings)
    }
}

/// Settings that a policy's top level or a function rule can carry; `nil` means "inherit".
public struct PolicySettings: Sendable, Equatable {
    public var mode: Mode?
    public var protections: [Protection: Mode] = [:]
    public var exceptions: [PolicyException] = []
    /// Names of environment variables whose values must never leave in a response.
    public var secrets: [String] = []
    public var tmpCleanup: TmpCleanup?
    /// What the function's processes may run, open and reach (the behaviour guard).
    public var behaviour = BehaviourSettings()

    public init(mode: Mode? = nil, protections: [Protection: Mode] = [:], exceptions: [PolicyException] = [], secrets: [String] = [], tmpCleanup: TmpCleanup? = nil, behaviour: BehaviourSettings = .init()) {
        self.mode = mode
        self.protections = protections
        self.exceptions = exceptions
        self.secrets = secrets
        self.tmpCleanup = tmpCleanup
        self.behaviour = behaviour
    }

    /// A function rule refines the defaults: its modes replace, its exceptions and secrets add up.
    mutating func overlay(_ rule: PolicySettings) {
        if let mode = rule.mode { self.mode = mode }
        protections.merge(rule.protections) { _, rule in rule }
        exceptions += rule.exceptions
        secrets += rule.secrets
        if let cleanup = rule.tmpCleanup { tmpCleanup = cleanup }
        behaviour.overlay(rule.behaviour)
    }
}

public struct FunctionRule: Sendable, Equatable {
    /// Pattern on the function's name (`AWS_LAMBDA_FUNCTION_NAME`), e.g. `orders-*`.
    public var name: Glob
    public var settings: PolicySettings

    public init(name: Glob, settings: PolicySettings) {
        self.name = name
        self.settings = settings
    }
}

/// A known-good input that must not raise a finding: where it is and, optionally, what it looks like.
public struct PolicyException: Sendable, Equatable {
    /// Pattern on the finding's location, e.g. `queryStringParameters.q` or `Records[*].body.sql`.
    public var location: Glob
    /// Pattern on the finding's evidence; `nil` accepts any value at that location.
    public var pattern: Glob?
    /// The protections the exception applies to; empty means every protection.
    public var protections: Set<Protection>

    public init(location: Glob, pattern: Glob? = nil, protections: Set<Protection> = []) {
        self.location = location
        self.pattern = pattern
        self.protections = protections
    }

    func covers(_ finding: Finding) -> Bool {
        (protections.isEmpty || protections.contains(.attack(finding.category)))
            && location.matches(finding.location)
            && (pattern?.matches(finding.evidence) ?? true)
    }
}

/// Removal of files an earlier invocation left in /tmp, before the next invocation starts.
public struct TmpCleanup: Sendable, Equatable {
    public var enabled: Bool
    /// Paths that survive cleaning, e.g. `/tmp/model-cache*`.
    public var keep: [Glob]

    public init(enabled: Bool, keep: [Glob] = []) {
        self.enabled = enabled
        self.keep = keep
    }
}

/// The settings that apply to the running function, with every default filled in.
public struct EffectivePolicy: Sendable, Equatable {
    /// Used when neither the policy nor `PALISADE_MODE` says otherwise: record, never block.
    public static let defaultMode = Mode.report

    public let settings: PolicySettings

    public init(settings: PolicySettings) {
        self.settings = settings
    }

    /// The policy that applies when none is given or the given one is broken.
    public static func fallback(mode: Mode?) -> EffectivePolicy {
        EffectivePolicy(settings: PolicySettings(mode: mode))
    }

    public func mode(for protection: Protection) -> Mode {
        if case .behaviour(let area) = protection, let mode = settings.behaviour.mode(for: area) { return mode }
        return settings.protections[protection] ?? settings.mode ?? Self.defaultMode
    }

    public var behaviour: BehaviourSettings { settings.behaviour }

    /// The mode that applies to a finding: `off` when an exception covers it.
    public func mode(for finding: Finding) -> Mode {
        if settings.exceptions.contains(where: { $0.covers(finding) }) { return .off }
        return mode(for: .attack(finding.category))
    }

    /// Attack categories the detector must look for (those not switched off).
    public var activeCategories: Set<AttackCategory> {
        Set(AttackCategory.allCases.filter { mode(for: .attack($0)) != .off })
    }

    public var secrets: [String] { settings.secrets }

    public var tmpCleanup: TmpCleanup? { settings.tmpCleanup?.enabled == true ? settings.tmpCleanup : nil }
}
