/// Without a customer-managed KMS key, environment variables are encrypted with a key every principal
/// allowed to read the function's configuration can use, so values show in plain text to them.
struct EnvironmentEncryptionCheck: PostureCheck {
    let id = "PAL-FN-004"
    let title = "Environment variables are not encrypted with a customer-managed KMS key"
    let severity = Severity.low
    let equivalents = ["CKV_AWS_173"]
    let remediation = "Set `KmsKeyArn` (`kmsKeyArn` in serverless.yml) to a customer-managed key whose policy admits only the function's role."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            guard let environment = function.environment, !environment.isEmpty else {
                return CheckResult(ref: function.ref, passed: true, message: "no environment variables")
            }
            if function.kmsKey.isPresent {
                return CheckResult(ref: function.ref, passed: true, message: "environment encrypted with a KMS key")
            }
            return CheckResult(ref: function.ref, line: environment.first?.line, passed: false,
                               message: "\(environment.count) environment variable(s) without `KmsKeyArn`")
        }
    }
}
