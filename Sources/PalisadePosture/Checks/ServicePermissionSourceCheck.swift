/// A permission for a service principal without `SourceArn`/`SourceAccount` lets that service invoke
/// the function on behalf of any account (the confused-deputy problem).
struct ServicePermissionSourceCheck: PostureCheck {
    let id = "PAL-PERM-001"
    let title = "Service permission to invoke a function has no SourceArn or SourceAccount"
    let severity = Severity.high
    let equivalents = ["CKV_AWS_364"]
    let remediation = "Add `SourceArn` (the bucket, topic, rule or API) or `SourceAccount` to the `AWS::Lambda::Permission`."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.permissions.compactMap { permission in
            guard let principal = permission.principal.text, principal.hasSuffix(".amazonaws.com") else { return nil }
            if permission.sourceArn.isPresent || permission.sourceAccount.isPresent {
                return CheckResult(ref: permission.ref, passed: true, message: "`\(principal)` is limited by source")
            }
            return CheckResult(ref: permission.ref, passed: false, message: "`\(principal)` may invoke the function for any account")
        }
    }
}
