/// Informational: a function outside a VPC can reach the internet directly, so exfiltration needs no
/// NAT or egress rule to get past. Many functions rightly run outside a VPC.
struct VPCCheck: PostureCheck {
    let id = "PAL-FN-007"
    let title = "Function is not attached to a VPC"
    let severity = Severity.info
    let equivalents = ["CKV_AWS_117"]
    let remediation = "If the function handles sensitive data, attach it to private subnets (`VpcConfig`) with controlled egress."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            function.vpcConfigured
                ? CheckResult(ref: function.ref, passed: true, message: "attached to a VPC")
                : CheckResult(ref: function.ref, passed: false, message: "not attached to a VPC")
        }
    }
}
