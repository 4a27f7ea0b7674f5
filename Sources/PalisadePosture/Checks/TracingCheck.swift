/// X-Ray traces show which downstream calls an invocation made, which is what an investigator needs
/// after an injection; the default (`PassThrough`) records nothing unless the caller sampled.
struct TracingCheck: PostureCheck {
    let id = "PAL-FN-008"
    let title = "Function does not have active X-Ray tracing"
    let severity = Severity.low
    let equivalents = ["CKV_AWS_50"]
    let remediation = "Set `TracingConfig.Mode: Active` (SAM `Tracing: Active`, serverless.yml `tracing.lambda: true`)."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            switch function.tracingMode {
            case .value("Active"):
                return CheckResult(ref: function.ref, passed: true, message: "active tracing is on")
            case .value(let mode):
                return CheckResult(ref: function.ref, passed: false, message: "tracing mode is `\(mode)`, not `Active`")
            case .unresolved:
                return CheckResult(ref: function.ref, passed: false, message: "tracing mode cannot be resolved to `Active`")
            case .absent:
                return CheckResult(ref: function.ref, passed: false, message: "no tracing configuration")
            }
        }
    }
}
