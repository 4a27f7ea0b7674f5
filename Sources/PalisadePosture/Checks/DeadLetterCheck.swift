/// An asynchronous invocation that keeps failing is dropped after its retries; without a dead-letter
/// queue or on-failure destination the event, and the evidence of an attack, is lost.
struct DeadLetterCheck: PostureCheck {
    let id = "PAL-FN-005"
    let title = "Asynchronously invoked function has no DLQ or on-failure destination"
    let severity = Severity.low
    let equivalents = ["CKV_AWS_116"]
    let remediation = "Add `DeadLetterConfig` (SAM `DeadLetterQueue`, serverless.yml `onError`) or an `OnFailure` destination."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            if function.deadLetterTarget.isPresent || function.onFailureDestination.isPresent {
                return CheckResult(ref: function.ref, passed: true, message: "failed events go to a DLQ or destination")
            }
            // Functions whose triggers are all synchronous or polled never lose an event this way;
            // one with no declared trigger may be invoked asynchronously by anyone allowed to.
            let asynchronous = function.triggers.filter(\.trigger.isAsynchronous)
            if !function.triggers.isEmpty && asynchronous.isEmpty {
                return CheckResult(ref: function.ref, passed: true, message: "only synchronous or polled triggers")
            }
            let reason = asynchronous.first.map { "asynchronous trigger `\($0.trigger.rawValue)`" } ?? "no declared trigger, so any asynchronous caller"
            return CheckResult(ref: function.ref, line: asynchronous.first?.line, passed: false, message: "\(reason) and no DLQ or on-failure destination")
        }
    }
}
