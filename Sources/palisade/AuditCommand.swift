import ArgumentParser
import Foundation
import PalisadePosture

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Run the posture checks against a live AWS account's Lambda functions.")

    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's region).")
    var region: String?

    @Option(name: .customLong("endpoint-url"), help: "Send every API call to this endpoint (e.g. a local moto server).")
    var endpointURL: String?

    @Option(help: "Output format: table, json, sarif or junit.")
    var format: ReportFormat = .table

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a check of this severity or worse fails: info, low, medium, high, critical or none.")
    var failOn = "low"

    @Option(name: .customLong("check"), help: "Run only these checks (repeatable).")
    var checkIDs: [String] = []

    func run() throws {
        guard let threshold = FailThreshold(failOn) else { throw ValidationError("--fail-on takes info, low, medium, high, critical or none") }
        let environment = ProcessInfo.processInfo.environment
        let home = FileManager.default.homeDirectoryForCurrentUser
        guard let region = AWSCredentials.region(region, environment: environment, home: home) else {
            throw ValidationError("no region: pass --region or set AWS_REGION")
        }
        let endpoint = try endpointURL.map { text in
            guard let url = URL(string: text), url.scheme != nil else { throw ValidationError("--endpoint-url is not a URL: \(text)") }
            return url
        }
        let checks = try CheckRegistry.select(checkIDs)
        let client = AWSClient(credentials: try AWSCredentials.resolve(environment: environment, home: home), region: region, endpoint: endpoint)
        let (inventory, warnings) = try AccountAuditor(client: client).inventory()
        let scanner = Scanner(checks: checks, context: CheckContext(asOf: PostureInfo.today()))
        let report = ScanReport(findings: scanner.evaluate(inventory), errors: warnings)
        var output = StandardOutput()
        format.write(report, checks: checks, colour: isatty(STDOUT_FILENO) == 1, base: "", to: &output)
        output.flush()
        let code = threshold.exitCode(for: ScanReport(findings: report.findings, errors: []))
        if code != 0 { throw ExitCode(code) }
    }
}
