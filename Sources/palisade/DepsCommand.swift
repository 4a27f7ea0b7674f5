import ArgumentParser
import Foundation
import PalisadePosture

struct DepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deps",
        abstract: "Find known-vulnerable dependencies in Python and Node.js lock files.",
        subcommands: [DepsCheckCommand.self, DepsUpdateCommand.self],
        defaultSubcommand: DepsCheckCommand.self)
}

/// Where the OSV indexes live: `--db`, else `$PALISADE_OSV_DIR`, else `~/.cache/palisade/osv`.
struct AdvisoryDirectoryOption: ParsableArguments {
    @Option(name: .customLong("db"), help: "Directory of the advisory database.")
    var path: String?

    var url: URL {
        if let path { return URL(fileURLWithPath: path) }
        if let path = ProcessInfo.processInfo.environment["PALISADE_OSV_DIR"] { return URL(fileURLWithPath: path) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/palisade/osv")
    }
}

struct DepsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Match requirements.txt, poetry.lock, Pipfile.lock, package-lock.json and yarn.lock against OSV advisories.")

    @Argument(help: "Lock files or directories to search for them.")
    var paths: [String]

    @OptionGroup var database: AdvisoryDirectoryOption

    @Option(help: "Output format: table or json.")
    var format = "table"

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a vulnerability of this severity or worse is found, or none.")
    var failOn = "low"

    func run() throws {
        guard let threshold = FailThreshold(failOn) else { throw ValidationError("--fail-on takes info, low, medium, high, critical or none") }
        guard format == "table" || format == "json" else { throw ValidationError("--format takes table or json") }
        let advisories = try AdvisoryDatabase.load(from: database.url)
        let report = DependencyScanner.scan(paths: paths, database: advisories)
        print(format == "json" ? DependencyScanner.renderJSON(report) : DependencyScanner.renderTable(report), terminator: "")
        if case .atLeast(let severity) = threshold, report.vulnerabilities.contains(where: { $0.severity >= severity }) {
            throw ExitCode(1)
        }
        if !report.errors.isEmpty { throw ExitCode(2) }
    }
}

struct DepsUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Download the OSV advisory exports for PyPI and npm.")

    @OptionGroup var database: AdvisoryDirectoryOption

    @Option(help: "Base URL of the OSV exports (each ecosystem at <source>/<ecosystem>/all.zip).")
    var source = AdvisoryUpdater.defaultSource.absoluteString

    func run() throws {
        guard let url = URL(string: source) else { throw ValidationError("--source is not a URL: \(source)") }
        let counts = try AdvisoryUpdater(source: url, directory: database.url).update()
        for (ecosystem, count) in counts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("\(ecosystem.rawValue): \(count) advisories")
        }
        print("saved to \(database.url.path)")
    }
}
