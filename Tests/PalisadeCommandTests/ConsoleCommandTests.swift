import Foundation
import PalisadeConsoleClient
import Testing

/// The built `palisade` binary: bootstrap, serve on a free loopback port, use the API, export a policy.
struct ConsoleCommandTests {
    @Test func bootstrapServeAndExportPolicy() async throws {
        let database = "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("palisade-e2e-\(UUID().uuidString).db").path
        let bootstrap = try PalisadeBinary.run(["console", "bootstrap", "--database", database, "--group", "payments"])
        #expect(bootstrap.status == 0, "\(bootstrap.errors)")
        let values = bootstrap.keyValues
        let token = try #require(values["PALISADE_TOKEN"])
        let group = try #require(values["PALISADE_GROUP"])
        #expect(values["PALISADE_KEY"]?.hasPrefix("pk_") == true)
        #expect(values["PALISADE_SECRET"]?.hasPrefix("ps_") == true)

        let again = try PalisadeBinary.run(["console", "bootstrap", "--database", database])
        #expect(again.status != 0)
        #expect(again.errors.contains("already has API tokens"))

        let server = try PalisadeBinary.start(["console", "serve", "--database", database, "--listen", "127.0.0.1:0"])
        defer { server.terminate() }
        let url = try await server.listeningURL()

        let policy = #"{"mode":"report","protections":{"sqli":"mitigate"},"functions":[{"name":"orders-*","mode":"mitigate"}]}"#
        let saved = try await HTTPExchange.send(
            to: try HTTPEndpoint(url: url), method: "PUT", path: "/api/v1/groups/\(group)/policy",
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: Array(policy.utf8),
            timeout: PalisadeBinary.answerTimeout
        )
        #expect(saved.status == 200)

        let exported = try PalisadeBinary.run(["policy", "export", "--console", url, "--token", token, "--group", group])
        #expect(exported.status == 0, "\(exported.errors)")
        #expect(exported.output.contains(#""functions":[{"mode":"mitigate","name":"orders-*"}]"#))
        let forFunction = try PalisadeBinary.run(["policy", "export", "--console", url, "--token", token, "--group", group, "--function", "orders-api"])
        #expect(forFunction.output.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"mode":"mitigate","protections":{"sqli":"mitigate"},"version":1}"#)

        let refused = try PalisadeBinary.run(["policy", "export", "--console", url, "--token", "pt_wrong", "--group", group])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("auth.bad_token"))
    }

    @Test func badConfigurationIsOneClearError() throws {
        let database = try PalisadeBinary.run(["console", "serve", "--database", "mysql://localhost/x"])
        #expect(database.status != 0)
        #expect(database.errors.contains("config.database"))
        let listen = try PalisadeBinary.run(["console", "serve", "--database", "sqlite:/tmp/palisade-unused.db", "--listen", "localhost"])
        #expect(listen.errors.contains("config.listen"))
        let unwritable = try PalisadeBinary.run(["console", "serve", "--database", "sqlite:/proc/palisade/none.db"])
        #expect(unwritable.status != 0)
        #expect(unwritable.errors.contains("store.unavailable"))
        let syslog = try PalisadeBinary.run(["console", "serve"], environment: ["PALISADE_SIEM_SYSLOG": "smtp://x:1"])
        #expect(syslog.errors.contains("config.syslog"))
    }
}

/// Runs the `palisade` executable that `swift build` put beside the test bundle.
enum PalisadeBinary {
    struct Result {
        var status: Int32
        var output: String
        var errors: String

        var keyValues: [String: String] {
            Dictionary(output.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { $1 })
        }
    }

    static var url: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("palisade").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("palisade")
    }

    /// Deadline for the tests' own requests to a console. Tests that wait for a child process block a
    /// thread of the shared pool; on a 2-core machine running the whole suite that can hold a reply
    /// back for longer than a client's usual 10 s.
    static let answerTimeout: Duration = .seconds(60)

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), errors: String(decoding: err, as: UTF8.self))
    }

    static func start(_ arguments: [String]) throws -> RunningServer {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        return RunningServer(process: process, output: output.fileHandleForReading)
    }
}

final class RunningServer: @unchecked Sendable {
    let process: Process
    let output: FileHandle

    init(process: Process, output: FileHandle) {
        self.process = process
        self.output = output
    }

    /// The URL from the server's "listening on" line.
    func listeningURL() async throws -> String {
        var text = ""
        for _ in 0..<600 {
            let data = output.availableData
            if data.isEmpty { try await Task.sleep(for: .milliseconds(50)); continue }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"listening on (http://[0-9.]+:[0-9]+)"#, options: .regularExpression) {
                return String(text[range].dropFirst("listening on ".count))
            }
        }
        throw LaunchFailure(message: "the console did not say where it listens: \(text)")
    }

    func terminate() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

struct LaunchFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
