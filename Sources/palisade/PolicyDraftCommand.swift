import ArgumentParser
import Foundation
import PalisadeLearn
import PalisadeSystem

/// `palisade policy draft`: learn mode's second half (the agent in report mode records the run).
struct PolicyDraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draft",
        abstract: "Draft the smallest behaviour policy that would have allowed a recorded run.",
        discussion: """
        Run the function with the behaviour guard in report mode (PALISADE_MODE=report) and keep its
        security events (`palisade run --events-out FILE`, or the agent's log). The policy is printed on
        stdout; what was read, malformed lines and the operations left out as attacks go to stderr.
        """
    )

    @Option(help: "The events file: JSON lines; lines that are not behaviour events are skipped.")
    var events: String

    @Option(help: "Draft a function rule for this function name, from its events only.")
    var function: String?

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(events, limit: 256 << 20)
        } catch {
            throw ValidationError("\(error)")
        }
        let draft = PolicyDraft(events: bytes, function: function)
        for line in draft.summary {
            FileHandle.standardError.write(Data("palisade policy draft: \(line)\n".utf8))
        }
        print(draft.json, terminator: "")
    }
}
