import ArgumentParser
import PalisadeLocal

struct LayerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layer",
        abstract: "Build the Palisade Lambda layer.",
        subcommands: [Build.self]
    )

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build palisade-layer.zip: the static agent in extensions/, /opt/palisade-wrapper, lib/palisade-guard.so and /opt/bootstrap.",
            discussion: "Run from the repository: it builds the agent fully static (swift build \(LayerBuilder.staticBuildArguments.joined(separator: " "))) unless --agent names a binary."
        )

        @Option(help: "Use this agent binary instead of building one.")
        var agent: String?

        @Option(name: .customLong("guard-library"), help: "Use this behaviour guard library instead of compiling \(GuardLibrary.sourcePath).")
        var guardLibrary: String?

        @Option(help: "Where to write the zip.")
        var output = "palisade-layer.zip"

        func run() throws {
            if agent == nil {
                print("building the static agent (swift \(LayerBuilder.staticBuildArguments.joined(separator: " ")))")
                try LayerBuilder.run("/usr/bin/env", ["swift"] + LayerBuilder.staticBuildArguments)
            }
            var library = guardLibrary
            if library == nil {
                let output = ".build-static/" + GuardLibrary.fileName
                print("building the behaviour guard (\(GuardLibrary.compileArguments(source: GuardLibrary.sourcePath, output: output).joined(separator: " ")))")
                try GuardLibrary.build(source: GuardLibrary.sourcePath, output: output)
                library = output
            }
            if let library, case let tooNew = try GuardLibrary.tooNewGlibcVersions(library), !tooNew.isEmpty {
                print("warning: the guard library needs \(tooNew.joined(separator: ", ")); Amazon Linux 2023 has glibc 2.34")
            }
            let layer = try LayerBuilder().build(agent: agent ?? LayerBuilder.staticAgentPath, guardLibrary: library, output: output)
            print("\(layer.zipPath): \(Self.megabytes(layer.zipBytes)) zipped, agent \(Self.megabytes(layer.agentBytes)) stripped")
            print("agent: \(layer.agentLinkage)")
            if !layer.isStatic {
                print("warning: the agent is not static; it needs this machine's glibc and may not start on Amazon Linux")
            }
        }

        static func megabytes(_ bytes: Int) -> String {
            let tenths = (bytes * 10 + (1 << 19)) >> 20
            return "\(tenths / 10).\(tenths % 10) MB"
        }
    }
}
