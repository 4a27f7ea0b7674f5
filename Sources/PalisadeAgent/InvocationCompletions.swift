import Synchronization

/// Lets the extension loop wait, after an INVOKE event, until the proxy has seen that invocation's
/// response or error: the post-invoke phase then delivers that invocation's events too.
final class InvocationCompletions: Sendable {
    /// Ids finished before anyone waited for them (a fast function can finish before its INVOKE event
    /// reaches the agent); only the latest few matter.
    static let rememberedIDs = 64

    struct State {
        var finished: [String] = []
        var waiters: [String: CheckedContinuation<Void, Never>] = [:]
    }

    let state = Mutex(State())

    func finish(_ requestID: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: requestID) { return waiter }
            state.finished.append(requestID)
            if state.finished.count > Self.rememberedIDs { state.finished.removeFirst() }
            return nil
        }
        waiter?.resume()
    }

    /// Returns when the invocation finished, or when `timeout` has passed (the function timed out or
    /// the runtime died: the platform ends the invocation then).
    func wait(for requestID: String, timeout: Duration) async {
        let expiry = Task {
            try? await Task.sleep(for: timeout)
            self.giveUp(requestID)
        }
        defer { expiry.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if let index = state.finished.firstIndex(of: requestID) {
                    state.finished.remove(at: index)
                    return true
                }
                state.waiters[requestID] = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func giveUp(_ requestID: String) {
        state.withLock { $0.waiters.removeValue(forKey: requestID) }?.resume()
    }
}
