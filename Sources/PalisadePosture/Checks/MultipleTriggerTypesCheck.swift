/// A function reached from several kinds of source must parse and trust several event shapes, which
/// widens its attack surface (PureSec's Config rule "several triggers").
struct MultipleTriggerTypesCheck: PostureCheck {
    let id = "PAL-FN-001"
    let title = "Function is invoked by several distinct trigger types"
    let severity = Severity.low
    let equivalents: [String] = []
    let remediation = "Split the function so each one handles a single kind of event."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            var kinds: [Trigger] = []
            for use in function.triggers where !kinds.contains(use.trigger) { kinds.append(use.trigger) }
            guard kinds.count > 1 else {
                return CheckResult(ref: function.ref, passed: true, message: kinds.isEmpty ? "no triggers declared" : "one trigger type: \(kinds[0].rawValue)")
            }
            let line = function.triggers.first { $0.trigger == kinds[1] }?.line
            return CheckResult(ref: function.ref, line: line, passed: false,
                               message: "\(kinds.count) trigger types: \(kinds.map(\.rawValue).joined(separator: ", "))")
        }
    }
}
