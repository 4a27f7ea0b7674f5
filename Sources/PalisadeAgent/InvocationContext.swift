import PalisadeDetect
import Synchronization

/// The invocation the function is working on, shared by the proxy (which sets it when it hands
/// out an event and clears it when the response or error is posted) and the behaviour guard
/// (which ties what the function does to the event's inputs). The inputs are read from the event
/// only when the guard first needs them, so invocations that do nothing guarded pay nothing.
final class InvocationContext: Sendable {
    struct Current {
        var facts: InvocationFacts
        var event: [UInt8]
        var detector: Detector?
        var inputs: [Input]?
    }

    struct State {
        /// An event has been handed to the function: the runtime's own start is over.
        var invoking = false
        var current: Current?
    }

    /// Told when an event is handed out (the guard's published policy no longer holds).
    struct BeginObserver: Sendable {
        let notify: @Sendable () -> Void
    }

    let state = Mutex(State())
    /// A struct, not a bare closure: `withLock { $0 }` on a `Mutex` of a closure writes the closure
    /// back wrapped in two more reabstraction thunks, so every invocation made the next one's call
    /// longer (a chain of thousands of thunks after a few thousand invocations, and a stack overflow later).
    let beginObserver = Mutex<BeginObserver?>(nil)

    func begin(_ facts: InvocationFacts, event: [UInt8], detector: Detector?) {
        state.withLock { state in
            state.invoking = true
            state.current = Current(facts: facts, event: event, detector: detector, inputs: nil)
        }
        beginObserver.withLock { $0 }?.notify()
    }

    func end(_ requestID: String) {
        state.withLock { state in
            if state.current?.facts.requestID == requestID { state.current = nil }
        }
    }

    var invoking: Bool { state.withLock { $0.invoking } }

    var facts: InvocationFacts? { state.withLock { $0.current?.facts } }

    /// The current invocation's decoded inputs (none between invocations).
    func inputs() -> [Input] {
        let pending: (requestID: String, event: [UInt8], detector: Detector)? = state.withLock { state in
            guard let current = state.current, current.inputs == nil, let detector = current.detector else { return nil }
            return (current.facts.requestID, current.event, detector)
        }
        guard let pending else { return state.withLock { $0.current?.inputs ?? [] } }
        let inputs = (try? pending.detector.inputs(of: pending.event).inputs) ?? []
        state.withLock { state in
            if state.current?.facts.requestID == pending.requestID { state.current?.inputs = inputs }
        }
        return inputs
    }
}
