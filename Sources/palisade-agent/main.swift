import PalisadeAgent
import PalisadeSystem

#if canImport(Glibc)
import Glibc
#endif

// The Lambda extension in the layer (`/opt/extensions/palisade-agent`); see PalisadeAgent.Agent.
Agent.runOnOneEventLoop()
Task.detached {
    exit(await Agent.main(arguments: CommandLine.arguments, environment: ProcessEnvironment.current()))
}
// Not top-level `await`: its main thread ends in `dispatch_main`, whose `pthread_exit` unwinds the
// thread, and the first unwind in a static binary sorts every frame description of the executable
// (about 20 ms of CPU and a megabyte of heap, while the runtime starts). The main thread just waits.
while true { pause() }
