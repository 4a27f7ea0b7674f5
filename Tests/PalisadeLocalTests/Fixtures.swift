import Foundation
import PalisadeJSON
import PalisadeLocal
import Testing

/// Paths and events shared by the end-to-end tests, which run the real processes: our emulator,
/// the palisade-agent binary built beside this test bundle, and the real runtime clients.
enum Fixtures {
    /// The build folder holding this test bundle and the palisade-agent executable.
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }()

    static let agent = buildDirectory + "/palisade-agent"

    /// The behaviour guard's preload library, compiled once per test run next to the agent.
    static let guardLibrary: String = {
        do {
            return try GuardLibrary.ensureBuilt(source: repository + "/" + GuardLibrary.sourcePath, output: buildDirectory + "/" + GuardLibrary.fileName)
        } catch {
            Issue.record("the guard library did not compile: \(error)")
            return buildDirectory + "/" + GuardLibrary.fileName
        }
    }()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func python(_ handler: String = "app.handler") -> LocalFunction {
        LocalFunction(runtime: .python, directory: repository + "/Examples/functions/python", handler: handler, name: "orders-api")
    }

    static func node(_ handler: String = "app.handler") -> LocalFunction {
        LocalFunction(runtime: .node, directory: repository + "/Examples/functions/node", handler: handler, name: "orders-api")
    }

    /// The Java sample compiled once per test run (javac) into a task root of classes, as a Java
    /// deployment package holds them.
    static let javaTaskRoot: String = {
        let output = buildDirectory + "/palisade-java-sample"
        let source = repository + "/Examples/functions/java/example/App.java"
        do {
            _ = try LayerBuilder.run("/usr/bin/env", ["javac", "-d", output, source])
        } catch {
            Issue.record("the Java sample did not compile: \(error)")
        }
        return output
    }()

    static func java(_ handler: String = "example.App::handleRequest") -> LocalFunction {
        LocalFunction(runtime: .java, directory: javaTaskRoot, handler: handler, name: "orders-api")
    }

    static func provided(_ handler: String = "function.handler") -> LocalFunction {
        LocalFunction(runtime: .provided, directory: repository + "/Examples/functions/provided", handler: handler, name: "orders-api")
    }

    /// Fake credentials in the shape of real ones, given to agent and function.
    static let credentials = [
        "AWS_ACCESS_KEY_ID": "ASIAQ3EXAMPLE7KEYID4",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+value==",
    ]

    /// What one environment produced: `body`'s value, the events delivered on SHUTDOWN, the log.
    struct Outcome<Value> {
        var value: Value
        var events: [JSONDocument]
        var log: String

        /// `category/action` of each security event, e.g. `cmdi/blocked`.
        var eventSummary: [String] {
            events.map { "\($0.root["category"]?.string ?? "")/\($0.root["action"]?.string ?? "")" }
        }
    }

    /// Starts one warm environment, runs `body`, always stops it, and collects what the agent wrote.
    /// `guarded` preloads the behaviour guard into the function's processes, as the layer does.
    static func run<Value: Sendable>(
        _ function: LocalFunction,
        agent: Bool = true,
        guarded: Bool = false,
        environment: [String: String] = [:],
        invocationTimeout: Duration = .seconds(60),
        _ body: (LocalEnvironment) async throws -> Value
    ) async throws -> Outcome<Value> {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let eventsFile = scratch + "/events.jsonl"
        let logFile = scratch + "/log.txt"
        var variables = credentials.merging(environment) { _, new in new }
        variables["PALISADE_EVENTS_OUT"] = eventsFile
        var options = LocalEnvironment.Options(agent: agent ? Fixtures.agent : nil, environment: variables, logFile: logFile, guardLibrary: guarded ? Fixtures.guardLibrary : nil)
        options.invocationTimeout = invocationTimeout
        options.agentExitGrace = .seconds(20)
        options.initTimeout = .seconds(60)
        let local = try await LocalEnvironment.start(function, options: options)
        let value: Value
        do {
            value = try await body(local)
        } catch {
            await local.stop()
            throw error
        }
        await local.stop()
        let events = FileManager.default.fileExists(atPath: eventsFile) ? try securityEvents(eventsFile) : []
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return Outcome(value: value, events: events, log: log)
    }

    /// Waits until the environment's log shows `text`, e.g. the wrapper noticing the agent is gone
    /// (so the runtime is back on the Runtime API before the next invocation is sent).
    static func waitForLog(_ local: LocalEnvironment, containing text: String) async throws {
        let path = try #require(local.logFile)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let log = try? String(contentsOfFile: path, encoding: .utf8), log.contains(text) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let log = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        Issue.record("the log never showed \"\(text)\"; it ends with:\n\(log.suffix(3000))")
    }

    /// The security events of one category, e.g. `process`.
    static func events(_ events: [JSONDocument], category: String) -> [JSONValue] {
        events.map(\.root).filter { $0["category"]?.string == category }
    }

    /// An API Gateway REST (v1) proxy event for `GET path?query`.
    static func apiEvent(_ path: String, _ query: [String: String] = [:]) -> [UInt8] {
        let parameters = query.isEmpty ? "null" : "{" + query.sorted { $0.key < $1.key }.map { "\(JSONEscapes.quoted($0.key)):\(JSONEscapes.quoted($0.value))" }.joined(separator: ",") + "}"
        return Array("""
        {"resource":"\(path)","path":"\(path)","httpMethod":"GET","headers":{"Host":"api.example.com","User-Agent":"curl/8"},\
        "queryStringParameters":\(parameters),"requestContext":{"resourcePath":"\(path)","httpMethod":"GET","stage":"prod",\
        "requestId":"c6af9ac6","identity":{"sourceIp":"203.0.113.9"}},"body":null,"isBase64Encoded":false}
        """.utf8)
    }

    /// An SQS event with one record per body.
    static func sqsEvent(_ bodies: [String]) -> [UInt8] {
        let records = bodies.enumerated().map { index, body in
            """
            {"messageId":"m\(index)","receiptHandle":"h\(index)","body":\(JSONEscapes.quoted(body)),"attributes":{},"messageAttributes":{},\
            "md5OfBody":"0","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:000000000000:orders","awsRegion":"us-east-1"}
            """
        }
        return Array(#"{"Records":[\#(records.joined(separator: ","))]}"#.utf8)
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The proxy-integration response's status and decoded body.
    static func httpAnswer(_ result: InvocationResult) throws -> (status: Int, body: String) {
        let document = try JSONDocument(bytes: result.body)
        let status = Int(text(try #require(document.root["statusCode"]).stringBytes)) ?? 0
        return (status, document.root["body"]?.string ?? "")
    }

    /// The security events the agent delivered on SHUTDOWN.
    static func securityEvents(_ path: String) throws -> [JSONDocument] {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        return try bytes.split(separator: 0x0A).map { try JSONDocument(bytes: Array($0)) }
    }
}
