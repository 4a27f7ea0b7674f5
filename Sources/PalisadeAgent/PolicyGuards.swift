import PalisadePolicy

/// The parts of the proxy that follow the policy. A policy from the console replaces them whole, so an
/// invocation is judged by one policy from its event to its response. A class: the proxy reads it out
/// of its lock several times per invocation, one retain instead of a copy of every policy field.
final class PolicyGuards: Sendable {
    let policy: EffectivePolicy
    let invocationGuard: InvocationGuard
    let responseGuard: ResponseGuard
    let cleaner: TmpCleaner?
    /// Whether anything looks at an event's contents or facts (trigger, caller): with every
    /// protection off the proxy hands events over without parsing them.
    let readsEvents: Bool

    /// `previous` keeps its /tmp cleaner when the cleaning rules did not change: the cleaner remembers
    /// what init code left in /tmp, which a new one would take for litter.
    init(policy: EffectivePolicy, configuration: AgentConfiguration, previous: PolicyGuards? = nil) {
        self.policy = policy
        invocationGuard = InvocationGuard(policy: policy)
        responseGuard = ResponseGuard(policy: policy, environment: configuration.environment)
        readsEvents = !policy.activeCategories.isEmpty || [Protection.credentialLeak, .verboseErrors].contains { policy.mode(for: $0) != .off }
            || BehaviourArea.allCases.contains { policy.mode(for: .behaviour($0)) != .off }
        if let previous, previous.policy.tmpCleanup == policy.tmpCleanup {
            cleaner = previous.cleaner
        } else {
            cleaner = policy.tmpCleanup.map {
                TmpCleaner(root: configuration.tmpDirectory, keep: $0.keep, alwaysKeep: [configuration.stateDirectory])
            }
        }
    }
}
