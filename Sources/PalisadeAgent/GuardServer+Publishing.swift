#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PalisadeBehaviour

/// Keeping the published policy (PublishedPolicy) true: stale as soon as an invocation begins or the
/// policy changes, rewritten after the next question the agent answers (the first question of an
/// invocation is always asked, since the clients cannot decide by a stale file).
extension GuardServer {
    func invalidatePublication() {
        publication.withLock { publication in
            // Still due: the file in place was marked stale then and nothing was published since
            // (most invocations ask nothing), so no write for this invocation.
            guard !publication.due else { return }
            publication.due = true
            policyFile.withLock { $0 }?.markStale()
        }
    }

    /// Writes the file when it is stale or the judge's memory of accepted commands grew.
    func publishIfDue() {
        let current = judge.withLock { $0 }
        let remembered = current.rememberedCount
        publication.withLock { publication in
            guard publication.due || publication.remembered != remembered, let file = policyFile.withLock({ $0 }) else { return }
            let bytes = PublishedPolicy.encode(current, invoking: context.invoking, inputs: context.inputs(), agentPID: getpid())
            do {
                try file.publish(bytes)
            } catch {
                reporter.log("warn", "behaviour guard: cannot publish the policy for the clients (\(error)); they ask about everything")
            }
            // Tried once per change: a failure is not retried (nor logged) for every question.
            publication.due = false
            publication.remembered = remembered
        }
    }

    /// At shutdown: the clients ask again (and find the agent gone); nothing is published after it.
    func withdrawPublication() {
        publication.withLock { _ in
            policyFile.withLock { file in
                file?.withdraw()
                file = nil
            }
        }
    }
}
