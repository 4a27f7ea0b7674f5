import ArgumentParser

@main
struct Palisade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "palisade",
        abstract: "Runtime self-protection for serverless functions.",
        subcommands: [DetectCommand.self, PolicyCommand.self, ConsoleCommand.self, ScanCommand.self, DepsCommand.self, RolesCommand.self, AuditCommand.self]
    )
}
