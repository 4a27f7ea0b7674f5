/// Without reserved concurrency a flood of requests (or a recursive loop) can take every execution
/// slot in the account and run up the bill: a denial of wallet.
struct ReservedConcurrencyCheck: PostureCheck {
    let id = "PAL-FN-006"
    let title = "Function has no reserved concurrency limit"
    let severity = Severity.low
    let equivalents = ["CKV_AWS_115"]
    let remediation = "Set `ReservedConcurrentExecutions` (serverless.yml `reservedConcurrency`) to the most the function should ever run at once."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            function.reservedConcurrency.isPresent
                ? CheckResult(ref: function.ref, passed: true, message: "reserved concurrency is set")
                : CheckResult(ref: function.ref, passed: false, message: "no reserved concurrency limit")
        }
    }
}
