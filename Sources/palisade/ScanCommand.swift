import ArgumentParser
import Foundation
import PalisadePosture

extension ReportFormat: ExpressibleByArgument {}

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Check SAM, CloudFormation and serverless.yml templates for risky Lambda settings.")

    @Argument(help: "Template files or directories to scan.")
    var paths: [String] = []

    @Flag(name: .customLong("list-checks"), help: "List the checks with their severity and Checkov equivalents, then exit.")
    var listChecks = false

    @Option(help: "Output format: table, json, sarif or junit.")
    var format: ReportFormat = .table

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a check of this severity or worse fails: info, low, medium, high, critical or none.")
    var failOn = "low"

    @Option(name: .customLong("check"), help: "Run only these checks (repeatable), e.g. --check PAL-IAM-001.")
    var checkIDs: [String] = []

    @Option(name: .customLong("as-of"), help: "Judge runtime deprecations as of this day (YYYY-MM-DD); default today.")
    var asOf: String?

    @Option(name: .customLong("opt"), help: "A serverless.yml `${opt:NAME}` value as NAME=VALUE (repeatable).")
    var serverlessOptions: [String] = []

    @Flag(help: "Colour the table even when the output is not a terminal.")
    var colour = false

    func run() throws {
        if listChecks {
            print(CheckRegistry.describe(), terminator: "")
            return
        }
        guard !paths.isEmpty else { throw ValidationError("give at least one template file or directory") }
        guard let threshold = FailThreshold(failOn) else {
            throw ValidationError("--fail-on takes info, low, medium, high, critical or none, not `\(failOn)`")
        }
        let checks = try CheckRegistry.select(checkIDs)
        var options: [String: String] = [:]
        for pair in serverlessOptions {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--opt takes NAME=VALUE, not `\(pair)`") }
            options[parts[0]] = parts[1]
        }
        let scanner = Scanner(checks: checks, context: CheckContext(asOf: asOf ?? PostureInfo.today()),
                              environment: ProcessInfo.processInfo.environment, options: options)
        let report = scanner.scan(paths: paths)
        let terminal = isatty(STDOUT_FILENO) == 1
        var output = StandardOutput()
        format.write(report, checks: checks, colour: colour || terminal, base: FileManager.default.currentDirectoryPath, to: &output)
        output.flush()
        if format != .table {
            for error in report.errors { FileHandle.standardError.write(Data((error.description + "\n").utf8)) }
        }
        let code = threshold.exitCode(for: report)
        if code != 0 { throw ExitCode(code) }
    }
}
