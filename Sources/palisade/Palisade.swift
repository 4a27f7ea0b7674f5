import ArgumentParser

@main
struct Palisade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "palisade",
        abstract: "Runtime self-protection for serverless functions.",
        subcommands: [
            DetectCommand.self, RunCommand.self, PolicyCommand.self, LayerCommand.self, ConsoleCommand.self,
            ScanCommand.self, RolesCommand.self, DepsCommand.self, AuditCommand.self,
        ]
    )
}
