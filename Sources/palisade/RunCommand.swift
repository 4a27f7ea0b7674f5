import ArgumentParser
import Foundation
import PalisadeJSON
import PalisadeLocal

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a function locally under the Palisade agent and print its responses as JSON.",
        discussion: """
        Starts a local Lambda Runtime and Extensions API, the palisade-agent extension, and the real
        runtime client (awslambdaric for Python; small Runtime API clients for Node.js and Java; the
        function's own `bootstrap` for provided, i.e. custom runtimes). The
        caller's PALISADE_* and AWS_* variables reach agent and function, as with `sam local`.
        """
    )

    @Option(help: "python, node, java (handler package.Class::method over compiled classes) or provided (DIR/bootstrap).")
    var runtime: LocalFunction.Runtime

    @Option(help: "The function's code directory (LAMBDA_TASK_ROOT).")
    var dir: String

    @Option(help: "The handler, e.g. app.handler or example.App::handleRequest.")
    var handler: String

    @Option(help: "A JSON file with one event.")
    var event: String?

    @Option(help: "A file with one event per line, all sent through one warm environment.")
    var jsonl: String?

    @Option(help: "A policy file for the agent (PALISADE_POLICY_FILE).")
    var policy: String?

    @Option(name: .customLong("events-out"), help: "Write the security events here as JSON lines.")
    var eventsOut: String?

    @Option(help: "The palisade-agent executable (default: next to this one).")
    var agent: String?

    @Option(name: .customLong("guard-library"), help: "The behaviour guard's preload library (default: \(GuardLibrary.fileName) next to this executable, compiled from \(GuardLibrary.sourcePath) when run in the repository).")
    var guardLibrary: String?

    @Flag(name: .customLong("no-agent"), help: "Run the function without Palisade, for comparison.")
    var noAgent = false

    @Option(help: "The function's name (AWS_LAMBDA_FUNCTION_NAME), which policies match on.")
    var functionName = "palisade-local"

    @Option(help: "Seconds each invocation may take.")
    var timeout = 30

    func validate() throws {
        guard (event == nil) != (jsonl == nil) else { throw ValidationError("give exactly one of --event and --jsonl") }
    }

    func run() async throws {
        let events = try readEvents()
        var environment = LocalEnvironment.callerVariables()
        if let policy { environment["PALISADE_POLICY_FILE"] = absolute(policy) }
        if let eventsOut {
            let path = absolute(eventsOut)
            FileManager.default.createFile(atPath: path, contents: nil)
            environment["PALISADE_EVENTS_OUT"] = path
        }
        var options = LocalEnvironment.Options(agent: noAgent ? nil : absolute(agent ?? Self.defaultAgentPath()), environment: environment)
        options.guardLibrary = noAgent ? nil : try guardLibrary.map(absolute) ?? Self.defaultGuardLibrary()
        options.invocationTimeout = .seconds(timeout)
        let function = LocalFunction(runtime: runtime, directory: absolute(dir), handler: handler, name: functionName)
        let local = try await LocalEnvironment.start(function, options: options)
        for event in events {
            let result = await local.invoke(event)
            print(String(decoding: Self.outputLine(result), as: UTF8.self))
        }
        await local.stop()
    }

    func readEvents() throws -> [[UInt8]] {
        if let event {
            return [Array(try Data(contentsOf: URL(fileURLWithPath: event)))]
        }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: jsonl ?? "")))
        return bytes.split(separator: UInt8(ascii: "\n")).map(Array.init).filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x0D } }
    }

    /// One line per invocation: the response when it is JSON, else the response as a JSON string;
    /// errors as their `{"errorType", "errorMessage"}` body.
    static func outputLine(_ result: InvocationResult) -> [UInt8] {
        let body = result.body.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        let isJSON = (try? JSONDocument(bytes: body)) != nil
        switch result.outcome {
        case .response:
            return isJSON ? body : Array(JSONEscapes.quoted(String(decoding: body, as: UTF8.self)).utf8)
        case .error(let type, _):
            if isJSON { return body }
            return Array(#"{"errorType":\#(JSONEscapes.quoted(type)),"errorMessage":\#(JSONEscapes.quoted(String(decoding: body, as: UTF8.self)))}"#.utf8)
        }
    }

    /// Next to this executable; compiled there first when run from the repository.
    static func defaultGuardLibrary() throws -> String? {
        let library = URL(fileURLWithPath: defaultAgentPath()).deletingLastPathComponent().appendingPathComponent(GuardLibrary.fileName).path
        if FileManager.default.fileExists(atPath: GuardLibrary.sourcePath) {
            return try GuardLibrary.ensureBuilt(source: GuardLibrary.sourcePath, output: library)
        }
        guard FileManager.default.fileExists(atPath: library) else {
            FileHandle.standardError.write(Data("note: no \(GuardLibrary.fileName) next to palisade: the behaviour guard is off (--guard-library)\n".utf8))
            return nil
        }
        return library
    }

    static func defaultAgentPath() -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("palisade-agent").path
    }

    func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

extension LocalFunction.Runtime: ExpressibleByArgument {}
