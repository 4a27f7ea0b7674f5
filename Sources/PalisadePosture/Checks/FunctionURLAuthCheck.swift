/// A function URL with `AuthType: NONE` is a public HTTPS endpoint: anyone on the internet can invoke
/// the function.
struct FunctionURLAuthCheck: PostureCheck {
    let id = "PAL-URL-001"
    let title = "Function URL requires no authentication"
    let severity = Severity.high
    let equivalents = ["CKV_AWS_258"]
    let remediation = "Set `AuthType: AWS_IAM` and sign requests, or put the function behind an API with an authorizer."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functionURLs.compactMap { url in
            switch url.authType {
            case .value("NONE"): return CheckResult(ref: url.ref, passed: false, message: "`AuthType: NONE` makes the URL public")
            case .value(let type): return CheckResult(ref: url.ref, passed: true, message: "`AuthType: \(type)`")
            case .absent, .unresolved: return nil
            }
        }
    }
}
