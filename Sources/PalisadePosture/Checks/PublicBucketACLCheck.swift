/// A public canned ACL exposes every object (or write access) to anyone, including the data the
/// functions process.
struct PublicBucketACLCheck: PostureCheck {
    let id = "PAL-S3-001"
    let title = "S3 bucket has a public ACL"
    let severity = Severity.high
    let equivalents = ["CKV_AWS_20", "CKV_AWS_57"]
    let remediation = "Remove `AccessControl` (or set `Private`) and enable the bucket's Block Public Access settings."

    static let publicACLs: Set<String> = ["PublicRead", "PublicReadWrite", "AuthenticatedRead"]

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.buckets.map { bucket in
            if let acl = bucket.accessControl.text, Self.publicACLs.contains(acl) {
                return CheckResult(ref: bucket.ref, passed: false, message: "`AccessControl: \(acl)`")
            }
            return CheckResult(ref: bucket.ref, passed: true, message: "no public canned ACL")
        }
    }
}
