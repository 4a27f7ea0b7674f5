import ArgumentParser

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Work with agent policies.",
        subcommands: [PolicyExportCommand.self]
    )
}
