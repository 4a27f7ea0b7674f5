/// A function created by hand in the web console bypassed code review and the pipeline's checks
/// (PureSec's Config rule "console-created"). Only `audit` knows, from CloudTrail.
struct ConsoleCreatedFunctionCheck: PostureCheck {
    let id = "PAL-FN-010"
    let title = "Function was created in the AWS web console"
    let severity = Severity.medium
    let equivalents: [String] = []
    let remediation = "Define the function in a template and deploy it from the pipeline; delete the hand-made copy."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.compactMap { function in
            guard let console = function.createdInConsole else { return nil }
            return CheckResult(ref: function.ref, passed: !console,
                               message: console ? "CloudTrail shows the function was created from the web console" : "created by an API client, not the console")
        }
    }
}
