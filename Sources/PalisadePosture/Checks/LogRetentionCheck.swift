/// Lambda creates its log group with no expiry when none is declared: logs (which may hold event
/// data) are kept forever, or a template-less group escapes the retention policy.
struct LogRetentionCheck: PostureCheck {
    let id = "PAL-LOG-001"
    let title = "Function's log group has no retention period"
    let severity = Severity.low
    let equivalents: [String] = []
    let remediation = "Declare the `/aws/lambda/<name>` log group with `RetentionInDays` (serverless.yml `logRetentionInDays`)."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            function.logRetention.isPresent
                ? CheckResult(ref: function.ref, passed: true, message: "log retention is set")
                : CheckResult(ref: function.ref, passed: false, message: "no log group with a retention period")
        }
    }
}
