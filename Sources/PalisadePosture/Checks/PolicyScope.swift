/// The places IAM statements live in an inventory, for the checks that read policies: IAM resources
/// with documents the scanner could read, and functions that carry their own statements.
enum PolicyScope {
    struct Subject {
        var ref: ResourceRef
        var statements: [PolicyStatement]
        var managedPolicies: [String]
    }

    static func subjects(_ inventory: Inventory) -> [Subject] {
        let holders = inventory.policyHolders.compactMap { holder in
            holder.statements.map { Subject(ref: holder.ref, statements: $0, managedPolicies: holder.managedPolicies) }
        }
        let functions = inventory.functions.compactMap { function in
            function.statements.map { Subject(ref: function.ref, statements: $0, managedPolicies: function.managedPolicies) }
        }
        return holders + functions
    }

    /// `*` or `service:*`: every action, or every action of a service.
    static func isWildcard(_ action: String) -> Bool {
        action == "*" || (action.hasSuffix(":*") && !action.dropLast(2).contains("*"))
    }
}
