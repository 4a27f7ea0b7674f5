import Synchronization

/// Group commit: work that arrives while a commit is running waits and is filed together in the next
/// one, so many concurrent batches share one transaction; each caller is answered only after the
/// commit that holds its work (or with its own error).
final class GroupCommit<Work: Sendable, Outcome: Sendable>: Sendable {
    /// Files the work in one transaction; returns one result per work item, in order, after the commit.
    typealias Commit = @Sendable ([Work]) async -> [Result<Outcome, StoreError>]

    private struct Waiting: Sendable {
        let work: Work
        let reply: CheckedContinuation<Result<Outcome, StoreError>, Never>
    }

    private struct State: Sendable {
        var waiting: [Waiting] = []
        var committing = 0
    }

    private let state = Mutex(State())
    private let maxConcurrent: Int
    private let maxPerCommit: Int
    private let commit: Commit

    init(maxConcurrent: Int, maxPerCommit: Int, commit: @escaping Commit) {
        self.maxConcurrent = maxConcurrent
        self.maxPerCommit = maxPerCommit
        self.commit = commit
    }

    func submit(_ work: Work) async throws(StoreError) -> Outcome {
        let result = await withCheckedContinuation { (reply: CheckedContinuation<Result<Outcome, StoreError>, Never>) in
            let startsCommitter = state.withLock { state in
                state.waiting.append(Waiting(work: work, reply: reply))
                guard state.committing < maxConcurrent else { return false }
                state.committing += 1
                return true
            }
            if startsCommitter { Task { await self.commitWhileWaiting() } }
        }
        return try result.get()
    }

    /// Takes everything that is waiting (up to the limit) into one commit, until nothing waits.
    private func commitWhileWaiting() async {
        while true {
            let taken = state.withLock { state in
                let taken = Array(state.waiting.prefix(maxPerCommit))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.committing -= 1 }
                return taken
            }
            guard !taken.isEmpty else { return }
            let results = await commit(taken.map(\.work))
            for (index, waiting) in taken.enumerated() {
                waiting.reply.resume(returning: index < results.count ? results[index] : .failure(StoreError(.statementFailed, "the commit returned no result for this batch")))
            }
        }
    }
}
