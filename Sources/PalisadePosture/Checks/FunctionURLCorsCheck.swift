/// CORS that allows every origin and every method lets any web page drive the function from a
/// victim's browser.
struct FunctionURLCorsCheck: PostureCheck {
    let id = "PAL-URL-002"
    let title = "Function URL allows CORS from any origin with any method"
    let severity = Severity.medium
    let equivalents = ["CKV2_AWS_75"]
    let remediation = "List the origins and methods the web front end uses in the URL's `Cors` settings."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            let urls = inventory.functionURLs.filter { url in
                url.functionKey == function.key || (url.functionKey != nil && url.functionKey == function.name.text)
            }
            if let open = urls.first(where: { $0.allowOrigins.contains("*") && $0.allowMethods.contains("*") }) {
                return CheckResult(ref: function.ref, passed: false, message: "`\(open.ref.id)` allows origin `*` and method `*`")
            }
            return CheckResult(ref: function.ref, passed: true, message: urls.isEmpty ? "no function URL" : "CORS is restricted")
        }
    }
}
