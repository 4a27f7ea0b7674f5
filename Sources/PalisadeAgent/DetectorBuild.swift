import NIOCore
import NIOPosix
import PalisadeDetect
import PalisadeSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Builds the detector (the native detectors' and the CRS pack's automata; CRS patterns compile when
/// they first run) on a thread-pool thread at idle priority, so the runtime's own start goes first;
/// when an event is waiting for it, `hurry` lifts it to normal priority.
final class DetectorBuild: Sendable {
    /// Linux's SCHED_IDLE (Glibc's Swift module does not export the name).
    static let idlePolicy: Int32 = 5

    let promise: EventLoopPromise<Detector>
    /// The compiling thread while it compiles, and whether an event already asked to hurry.
    let compiling = Mutex<(thread: pthread_t?, hurried: Bool)>((nil, false))

    var future: EventLoopFuture<Detector> { promise.futureResult }

    init(eventLoop: any EventLoop) {
        promise = eventLoop.makePromise(of: Detector.self)
    }

    func start(options: DetectorOptions) {
        promise.completeWith(NIOThreadPool.singleton.runIfActive(eventLoop: promise.futureResult.eventLoop) { [self] in
            var parameters = sched_param()
            compiling.withLock { state in
                state.thread = pthread_self()
                if !state.hurried { pthread_setschedparam(pthread_self(), Self.idlePolicy, &parameters) }
            }
            defer {
                compiling.withLock { state in
                    state.thread = nil
                    pthread_setschedparam(pthread_self(), SCHED_OTHER, &parameters)
                }
            }
            let detector = Detector(options: options)
            // Compiling leaves megabytes of freed temporaries in this thread's malloc arena: give them
            // back, since the agent's resident size counts against the function's memory.
            Malloc.trim()
            // Start-up and compilation code never runs again: let its pages go (see ResidentCode).
            ResidentCode.release()
            return detector
        })
    }

    /// An event waits: compile at normal priority from now on.
    func hurry() {
        compiling.withLock { state in
            state.hurried = true
            guard let thread = state.thread else { return }
            var parameters = sched_param()
            pthread_setschedparam(thread, SCHED_OTHER, &parameters)
        }
    }

    func fail(_ error: any Error) {
        promise.fail(error)
    }
}
