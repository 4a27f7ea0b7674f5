import PalisadePolicy

/// The parts of the proxy that follow the policy. A policy from the console replaces them whole, so an
/// invocation is judged by one policy from its event to its response.
struct PolicyGuards: Sendable {
    let policy: EffectivePolicy
    let invocationGuard: InvocationGuard
    let responseGuard: ResponseGuard
    let cleaner: TmpCleaner?

    /// `previous` keeps its /tmp cleaner when the cleaning rules did not change: the cleaner remembers
    /// what init code left in /tmp, which a new one would take for litter.
    init(policy: EffectivePolicy, configuration: AgentConfiguration, previous: PolicyGuards? = nil) {
        self.policy = policy
        invocationGuard = InvocationGuard(policy: policy)
        responseGuard = ResponseGuard(policy: policy, environment: configuration.environment)
        if let previous, previous.policy.tmpCleanup == policy.tmpCleanup {
            cleaner = previous.cleaner
        } else {
            cleaner = policy.tmpCleanup.map {
                TmpCleaner(root: configuration.tmpDirectory, keep: $0.keep, alwaysKeep: [configuration.stateDirectory])
            }
        }
    }
}
