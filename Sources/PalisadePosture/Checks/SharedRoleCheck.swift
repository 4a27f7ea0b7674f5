/// A role shared by several functions is the union of what all of them need, so each function holds
/// permissions it never uses (PureSec's Config rule "shared role").
struct SharedRoleCheck: PostureCheck {
    let id = "PAL-IAM-003"
    let title = "Function shares its IAM role with other functions"
    let severity = Severity.medium
    let equivalents: [String] = []
    let remediation = "Give each function its own role with only the permissions it uses."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        var users: [String: [String]] = [:]
        for function in inventory.functions {
            if let role = function.role { users[role, default: []].append(function.ref.id) }
        }
        return inventory.functions.map { function in
            guard let role = function.role, let sharing = users[role], sharing.count > 1 else {
                return CheckResult(ref: function.ref, passed: true, message: "the function's role is its own")
            }
            let others = sharing.filter { $0 != function.ref.id }.joined(separator: ", ")
            return CheckResult(ref: function.ref, passed: false, message: "role `\(role)` is also used by \(others)")
        }
    }
}
