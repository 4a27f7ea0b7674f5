/// `Action: *` on `Resource: *` (or AWS's AdministratorAccess) makes the function an administrator of
/// the account: one injection flaw and the whole account is lost.
struct AdminPolicyCheck: PostureCheck {
    let id = "PAL-IAM-002"
    let title = "IAM policy grants full administrator access"
    let severity = Severity.critical
    let equivalents = ["CKV_AWS_62", "CKV_AWS_1"]
    let remediation = "Replace the `*`/`*` statement or AdministratorAccess with the specific actions and resources the function needs."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        PolicyScope.subjects(inventory).map { subject in
            if let managed = subject.managedPolicies.first(where: { $0 == "AdministratorAccess" || $0.hasSuffix(":policy/AdministratorAccess") }) {
                return CheckResult(ref: subject.ref, passed: false, message: "attaches `\(managed)`")
            }
            let offending = subject.statements.first { $0.allows && $0.actions.contains("*") && $0.resources.contains("*") }
            guard let offending else {
                return CheckResult(ref: subject.ref, passed: true, message: "no statement allows `*` on `*`")
            }
            return CheckResult(ref: subject.ref, line: offending.line, passed: false, message: "a statement allows action `*` on resource `*`")
        }
    }
}
