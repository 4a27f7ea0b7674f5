import ArgumentParser
import Foundation
import PalisadePosture

extension RoleFormat: ExpressibleByArgument {}

struct RolesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "Generate a function's least-privilege IAM policy from its code (Python boto3, Node.js aws-sdk v2/v3).")

    @Argument(help: "The function's code directory.")
    var directory: String

    @Option(help: "The SAM, CloudFormation or serverless.yml template (default: found in or above the directory).")
    var template: String?

    @Option(help: "The function's logical id or key when the template has several.")
    var function: String?

    @Option(help: "Output: policy (IAM JSON), cloudformation (role resource) or sam (Policies property).")
    var format: RoleFormat = .policy

    @Option(help: "Region to put in ARNs of the IAM JSON (default *).")
    var region: String?

    @Option(help: "Account id to put in ARNs of the IAM JSON (default *).")
    var account: String?

    @Flag(help: "Also compare with the role the template grants today.")
    var diff = false

    func run() throws {
        let models = try ServiceModels.locate()
        let analysis = try RoleAnalysis.run(codeDirectory: directory, templatePath: template, functionID: function, models: models)
        for call in analysis.policy.calls {
            FileHandle.standardError.write(Data("\(call.file):\(call.line): \(call.service) \(call.operation)\n".utf8))
        }
        print(format.render(analysis.policy, region: region, account: account), terminator: "")
        if diff {
            guard let comparison = analysis.diff else { throw ValidationError("--diff needs a template (none found near \(directory))") }
            print("\n# compared with the role in the template (\(analysis.policy.function)):")
            print(comparison.render(), terminator: "")
        }
    }
}
