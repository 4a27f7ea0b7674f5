/// An API route with neither an authorizer nor a usage plan or throttling lets anyone call the
/// function as often as they like: injection attempts and denial of wallet go unhindered.
struct OpenAPIRouteCheck: PostureCheck {
    let id = "PAL-API-001"
    let title = "API route has no authorizer and no usage plan or throttling"
    let severity = Severity.medium
    let equivalents = ["CKV_AWS_59"]
    let remediation = "Add an authorizer (or `ApiKeyRequired` with a usage plan), or at least stage throttling, to the API."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        let functions: [CheckResult] = inventory.functions.compactMap { function in
            let routes = function.triggers.filter { $0.trigger == .apiGatewayV1 || $0.trigger == .httpApiV2 }
            guard !routes.isEmpty else { return nil }
            if let open = routes.first(where: { !$0.authorized && !$0.throttled }) {
                return CheckResult(ref: function.ref, line: open.line, passed: false, message: "route `\(open.name)` is open to anyone without limits")
            }
            return CheckResult(ref: function.ref, passed: true, message: "every route has an authorizer or a usage plan")
        }
        let methods = inventory.apiMethods.map { method in
            method.authorized || method.throttled
                ? CheckResult(ref: method.ref, passed: true, message: "the method has an authorizer or a usage plan")
                : CheckResult(ref: method.ref, passed: false, message: "`AuthorizationType: NONE` and no usage plan or throttling")
        }
        return functions + methods
    }
}
