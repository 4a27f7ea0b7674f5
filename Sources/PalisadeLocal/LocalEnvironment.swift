import Foundation
import PalisadeHTTP
import PalisadeSystem

/// A function to run locally: which runtime, where its code is, which handler.
public struct LocalFunction: Sendable {
    public enum Runtime: String, Sendable, CaseIterable {
        case python, node, java
        /// A custom runtime (`provided.al2023`): the function directory's own `bootstrap` executable.
        case provided
    }

    public var runtime: Runtime
    public var directory: String
    public var handler: String
    public var name: String

    public init(runtime: Runtime, directory: String, handler: String, name: String = "palisade-local") {
        self.runtime = runtime
        self.directory = directory
        self.handler = handler
        self.name = name
    }
}

/// Why a local environment could not start.
public typealias LocalRunError = CodedError<LocalRunErrorCode>

public enum LocalRunErrorCode: String, Sendable {
    case agentMissing = "run.agent_missing"
    case spawn = "run.spawn"
    case agentDidNotRegister = "run.agent_did_not_register"
}

/// One warm Lambda execution environment on this machine, as Lambda would build it: the emulator,
/// the agent as an external extension (started first; the runtime waits for its registration), and
/// the real runtime client started through the layer's wrapper script.
public final class LocalEnvironment: @unchecked Sendable {
    /// How the environment is put together; `agent == nil` runs the function without Palisade.
    public struct Options: Sendable {
        public var agent: String?
        /// Extra variables for agent and function (the caller's PALISADE_* and AWS_*, a policy file).
        public var environment: [String: String] = [:]
        /// Where the processes' stdout and stderr go; `nil` leaves them on this process's stderr.
        public var logFile: String?
        public var invocationTimeout: Duration = .seconds(30)
        /// The behaviour guard's preload library (GuardLibrary); `nil` runs the function without it.
        public var guardLibrary: String?
        /// How long `stop` lets the agent finish after SHUTDOWN before killing it. Lambda allows about
        /// two seconds; tests on a loaded machine allow more, so a slow flush is not a lost event.
        public var agentExitGrace: Duration = .seconds(2)
        /// How long the agent may take to register and the runtime to first ask for work. Lambda
        /// gives the whole init phase ten seconds; tests that start many environments at once allow more.
        public var initTimeout: Duration = .seconds(10)

        public init(agent: String?, environment: [String: String] = [:], logFile: String? = nil, guardLibrary: String? = nil) {
            self.agent = agent
            self.environment = environment
            self.logFile = logFile
            self.guardLibrary = guardLibrary
        }
    }

    public let emulator: LambdaEmulator
    public let workDirectory: String
    let options: Options
    var agentProcess: Process?
    var runtimeProcess: Process?
    let log: FileHandle

    /// Time from the launch (the agent's, or the runtime's without one) until the runtime first asked for an invocation.
    public private(set) var timeToFirstNext: Duration?
    /// Time from the agent's launch until it registered as an extension.
    public private(set) var agentRegistration: Duration?

    /// Passes the caller's variables on, as `sam local` does: every `PALISADE_*` and `AWS_*`.
    public static func callerVariables(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        environment.filter { $0.key.hasPrefix("PALISADE_") || $0.key.hasPrefix("AWS_") }
    }

    public static func start(_ function: LocalFunction, options: Options) async throws -> LocalEnvironment {
        let emulator = try await LambdaEmulator.start(function: FunctionIdentity(name: function.name, handler: function.handler))
        let environment = try LocalEnvironment(emulator: emulator, options: options)
        // Counted from here, as Lambda counts init from the sandbox's start: the emulator and the
        // layer's files (the Python hook compiled for each installed interpreter, about half a
        // second) are this machine's set-up, which a real layer ships done.
        let started = ContinuousClock.now
        do {
            try await environment.launch(function)
            let state = emulator.state
            // A runtime that never asks within the init phase is reported by its invocations.
            let timer = Task {
                try await Task.sleep(for: options.initTimeout)
                await state.stopWaitingForFirstNext()
            }
            environment.timeToFirstNext = await state.firstNext().map { $0 - started }
            timer.cancel()
        } catch {
            await environment.stop()
            throw error
        }
        return environment
    }

    init(emulator: LambdaEmulator, options: Options) throws {
        self.emulator = emulator
        self.options = options
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-run-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: workDirectory + "/state", withIntermediateDirectories: true)
        if let logFile = options.logFile {
            // createFile replaces by rename, which would turn a device such as /dev/null into a file.
            if !FileManager.default.fileExists(atPath: logFile) { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
            log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
            log.seekToEndOfFile()
        } else {
            log = FileHandle.standardError
        }
        try LayerFiles.wrapperScript.write(toFile: workDirectory + "/" + LayerFiles.wrapperPath, atomically: true, encoding: .utf8)
        try LayerFiles.writeInProcessHooks(under: workDirectory + "/layer")
    }

    func launch(_ function: LocalFunction) async throws {
        var shared = options.environment
        shared["AWS_LAMBDA_RUNTIME_API"] = emulator.address.description
        shared["AWS_LAMBDA_FUNCTION_NAME"] = function.name
        shared["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        shared["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = shared["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] ?? "128"
        shared["AWS_REGION"] = shared["AWS_REGION"] ?? emulator.function.region
        shared["PALISADE_STATE_DIR"] = workDirectory + "/state"
        for name in ["PATH", "HOME", "LANG", "PYTHONPATH", "NODE_PATH"] {
            if let value = ProcessInfo.processInfo.environment[name] { shared[name] = value }
        }

        if let agent = options.agent {
            guard FileManager.default.isExecutableFile(atPath: agent) else {
                throw LocalRunError(.agentMissing, "no palisade-agent executable at \(agent); build it with `swift build --product palisade-agent`")
            }
            let launched = ContinuousClock.now
            agentProcess = try spawn(agent, [], environment: shared, directory: workDirectory)
            guard await emulator.waitForExtensions(count: 1, timeout: options.initTimeout) else {
                throw LocalRunError(.agentDidNotRegister, "palisade-agent did not register within \(options.initTimeout)")
            }
            agentRegistration = ContinuousClock.now - launched
            shared["PALISADE_AGENT"] = agent
        }

        var runtime = shared
        runtime["LAMBDA_TASK_ROOT"] = function.directory
        // The wrapper preloads the guard only when the agent's socket is up and this file exists.
        runtime["PALISADE_GUARD_LIBRARY"] = options.guardLibrary ?? workDirectory + "/no-guard-library"
        runtime["_HANDLER"] = function.handler
        let command: [String]
        switch function.runtime {
        case .python:
            command = ["python3", "-m", "awslambdaric", function.handler]
        case .node:
            let bootstrap = workDirectory + "/node-bootstrap.js"
            try LayerFiles.nodeBootstrap.write(toFile: bootstrap, atomically: true, encoding: .utf8)
            command = ["node", bootstrap]
        case .java:
            let bootstrap = workDirectory + "/PalisadeJavaRuntime.java"
            try LayerFiles.javaRuntime.write(toFile: bootstrap, atomically: true, encoding: .utf8)
            // The start-up flags of Lambda's managed Java runtimes: tiered compilation stops at C1.
            command = ["java", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", bootstrap]
        case .provided:
            command = [function.directory + "/bootstrap"]
        }
        let wrapper = workDirectory + "/" + LayerFiles.wrapperPath
        runtime["PALISADE_LAYER_DIR"] = workDirectory + "/layer"
        let launcher = options.agent == nil ? ["/usr/bin/env"] + command : ["/bin/sh", wrapper] + command
        runtimeProcess = try spawn(launcher[0], Array(launcher.dropFirst()), environment: runtime, directory: function.directory)
    }

    func spawn(_ executable: String, _ arguments: [String], environment: [String: String], directory: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw LocalRunError(.spawn, "\(executable): \(error)")
        }
        return process
    }

    public func invoke(_ event: [UInt8], context: InvocationContext = .init()) async -> InvocationResult {
        await emulator.invoke(event, timeout: options.invocationTimeout, context: context)
    }

    /// Where the processes' output goes, when not to this process's stderr.
    public var logFile: String? { options.logFile }

    /// The agent's process id while it runs, e.g. to read its memory use.
    public var agentProcessID: Int32? { agentProcess.flatMap { $0.isRunning ? $0.processIdentifier : nil } }

    /// Kills the agent as a crash would (SIGKILL) and waits until it is gone, to check the fail-safe.
    public func killAgent() async {
        guard let agentProcess, agentProcess.isRunning else { return }
        kill(agentProcess.processIdentifier, SIGKILL)
        await Self.waitForExit(agentProcess, within: .seconds(5))
    }

    /// Ends the environment as Lambda does: the runtime is stopped first (SIGTERM, then SIGKILL for
    /// it and everything it started), then the agent gets SHUTDOWN and two seconds to flush.
    public func stop() async {
        if let runtimeProcess, runtimeProcess.isRunning {
            let tree = Self.processTree(runtimeProcess.processIdentifier)
            runtimeProcess.terminate()
            await Self.waitForExit(runtimeProcess, within: .milliseconds(300))
            for pid in tree { kill(pid, SIGKILL) }
        }
        await emulator.shutdown()
        await Self.waitForExit(agentProcess, within: options.agentExitGrace)
        if let agentProcess, agentProcess.isRunning { kill(agentProcess.processIdentifier, SIGKILL) }
        await emulator.close()
        try? FileManager.default.removeItem(atPath: workDirectory)
        if options.logFile != nil { try? log.close() }
    }

    /// A process and all its descendants, read from /proc (the wrapper runs the runtime as a child).
    static func processTree(_ root: Int32) -> [Int32] {
        var parents: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[parent, default: []].append(pid) }
        }
        var tree = [root]
        var index = 0
        while index < tree.count {
            tree += parents[tree[index]] ?? []
            index += 1
        }
        return tree
    }

    static func waitForExit(_ process: Process?, within limit: Duration) async {
        guard let process else { return }
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
