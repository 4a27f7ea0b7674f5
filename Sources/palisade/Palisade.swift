import ArgumentParser

@main
struct Palisade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "palisade",
        abstract: "Runtime self-protection for serverless functions.",
        subcommands: [DetectCommand.self, ScanCommand.self, DepsCommand.self, RolesCommand.self, AuditCommand.self]
    )
}
