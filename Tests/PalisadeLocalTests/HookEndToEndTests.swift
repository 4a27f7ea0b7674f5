import Foundation
import PalisadeJSON
import PalisadeLocal
import Testing

/// The in-process hooks with the real agent and runtimes: the Python audit hook and the Node.js
/// preload ask before the preload library would, name the API, and stop the call in mitigate mode.
@Suite(.timeLimit(.minutes(4))) struct HookEndToEndTests {
    static func policy(_ mode: String) -> String {
        #"{"mode": "off", "behaviour": {"processes": {"mode": "\#(mode)", "allow": ["^echo converting [\\w.-]+$"]}}}"#
    }

    static func convert(_ function: LocalFunction, mode: String) async throws -> Fixtures.Outcome<[(status: Int, body: String)]> {
        try await Fixtures.run(function, guarded: true, environment: ["PALISADE_POLICY": policy(mode)]) { local in
            [
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/convert", ["doc": "report.txt"]))),
                try Fixtures.httpAnswer(await local.invoke(Fixtures.apiEvent("/convert", ["doc": "x; cat /etc/passwd"]))),
            ]
        }
    }

    static func injected(_ outcome: Fixtures.Outcome<[(status: Int, body: String)]>, source: String) -> [JSONValue] {
        Fixtures.events(outcome.events, category: "process").filter {
            $0["source"]?.string == source && ($0["script"]?.string ?? $0["command"]?.string ?? "").contains("cat /etc/passwd")
        }
    }

    @Test func pythonHookDeniesSubprocessPopenBeforeItForks() async throws {
        let outcome = try await Self.convert(GuardScenario.python(), mode: "mitigate")
        #expect(outcome.value[0].status == 200 && outcome.value[0].body.contains("converting report.txt"), "\(outcome.value[0])")
        #expect(outcome.value[1].status == 500 && outcome.value[1].body.contains("PermissionError: [Errno 1] Operation not permitted"), "\(outcome.value[1])")
        #expect(!outcome.value[1].body.contains("root:"))
        let python = Self.injected(outcome, source: "python")
        #expect(python.contains { $0["action"]?.string == "blocked" }, "\(outcome.eventSummary)")
        #expect(Self.injected(outcome, source: "preload").isEmpty, "the hook raised before fork: no shell ever asked the preload library")
        #expect(outcome.log.contains(#""palisade":"guard","action":"blocked""#), "the agent's refusal line reaches the function's stderr")
    }

    @Test func pythonHookReportsSubprocessPopenInReportMode() async throws {
        let outcome = try await Self.convert(GuardScenario.python(), mode: "report")
        #expect(outcome.value[1].status == 200 && outcome.value[1].body.contains("root:"), "report mode lets it run")
        #expect(Self.injected(outcome, source: "python").contains { $0["action"]?.string == "reported" }, "\(outcome.eventSummary)")
    }

    @Test func nodeHookDeniesChildProcessInMitigateMode() async throws {
        let outcome = try await Self.convert(GuardScenario.node(), mode: "mitigate")
        #expect(outcome.value[0].status == 200 && outcome.value[0].body.contains("converting report.txt"), "\(outcome.value[0])")
        #expect(outcome.value[1].status == 500 && outcome.value[1].body.contains("EPERM"), "\(outcome.value[1])")
        #expect(Self.injected(outcome, source: "node").contains { $0["action"]?.string == "blocked" }, "\(outcome.eventSummary)")
        #expect(Self.injected(outcome, source: "preload").isEmpty)
    }
}
