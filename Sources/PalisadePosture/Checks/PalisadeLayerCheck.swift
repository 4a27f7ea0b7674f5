/// Functions without the Palisade layer run without runtime protection: injections in their events
/// are neither detected nor blocked.
struct PalisadeLayerCheck: PostureCheck {
    let id = "PAL-FN-009"
    let title = "Function is not protected by the Palisade layer"
    let severity = Severity.medium
    let equivalents: [String] = []
    let remediation = "Add the Palisade layer (`palisade layer` prints its ARN) to the function's `Layers`."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            let protected = function.layers.contains { $0.text?.lowercased().contains("palisade") == true }
            return protected
                ? CheckResult(ref: function.ref, passed: true, message: "the Palisade layer is attached")
                : CheckResult(ref: function.ref, passed: false, message: "no Palisade layer among \(function.layers.count) layer(s)")
        }
    }
}
