import PalisadeAgent
import PalisadeSystem

#if canImport(Glibc)
import Glibc
#endif

// The Lambda extension in the layer (`/opt/extensions/palisade-agent`); see PalisadeAgent.Agent.
Agent.runOnOneEventLoop()
exit(await Agent.main(arguments: CommandLine.arguments, environment: ProcessEnvironment.current()))
