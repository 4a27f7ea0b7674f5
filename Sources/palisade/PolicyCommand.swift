import ArgumentParser
import PalisadePolicy
import PalisadeSystem

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with agent policies.",
        subcommands: [Check.self, PolicyExportCommand.self, PolicyDraftCommand.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a policy file against the schema; exit 1 with every issue if it is invalid.")

        @Argument(help: "The policy JSON file.")
        var file: String

        @Option(help: "Also print the settings that apply to this function name.")
        var function: String?

        func run() throws {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(file, limit: 1 << 20)
            } catch {
                throw ValidationError("\(error)")
            }
            do {
                let policy = try Policy(json: bytes)
                print("\(file): valid policy (\(policy.functions.count) function rule(s))")
                if let function {
                    let effective = policy.resolved(functionName: function)
                    for protection in Protection.all + BehaviourArea.allCases.map(Protection.behaviour) {
                        print("  \(protection.name): \(effective.mode(for: protection).rawValue)")
                    }
                }
            } catch {
                for issue in error.issues {
                    print("\(file): \(issue)")
                }
                throw ExitCode(1)
            }
        }
    }
}
