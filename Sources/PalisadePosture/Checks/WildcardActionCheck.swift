/// Wildcard actions grant every current and future API of a service, so a stolen function credential
/// can do far more than the function ever does.
struct WildcardActionCheck: PostureCheck {
    let id = "PAL-IAM-001"
    let title = "IAM policy allows wildcard actions"
    let severity = Severity.high
    let equivalents = ["CKV_AWS_63", "CKV_AWS_49"]
    let remediation = "List the actions the function calls (`palisade roles` generates them from the code) instead of `*` or `service:*`."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        PolicyScope.subjects(inventory).map { subject in
            let offending = subject.statements.first { $0.allows && $0.actions.contains(where: PolicyScope.isWildcard) }
            guard let offending else {
                return CheckResult(ref: subject.ref, passed: true, message: "no statement allows a wildcard action")
            }
            let actions = offending.actions.filter(PolicyScope.isWildcard).joined(separator: ", ")
            return CheckResult(ref: subject.ref, line: offending.line, passed: false, message: "a statement allows `\(actions)`")
        }
    }
}
