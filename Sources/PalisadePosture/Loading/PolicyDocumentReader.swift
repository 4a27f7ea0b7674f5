/// Reads IAM policy documents into statements. A document hidden behind an intrinsic that cannot be
/// evaluated makes the answer `nil` (unknown) rather than a guess; both branches of an `Fn::If` count,
/// because either may be deployed.
enum PolicyDocumentReader {
    static func statements(inDocument document: Node?, _ context: TemplateContext) -> [PolicyStatement]? {
        guard let document, !document.isNull else { return [] }
        if let branches = alternatives(document, context) {
            return union(branches.map { statements(inDocument: $0, context) })
        }
        // Any other intrinsic (`Fn::Sub` of a JSON string, `Fn::ImportValue`) is decided at deploy time.
        if document.intrinsic != nil { return nil }
        switch document.kind {
        case .null: return []
        case .scalar: return nil
        case .sequence(let items): return union(items.map { statements(inDocument: $0, context) })
        case .mapping: return statements(inList: document["Statement"], context)
        }
    }

    /// A `Statement` value: one statement or a list of them.
    static func statements(inList list: Node?, _ context: TemplateContext) -> [PolicyStatement]? {
        guard let list, !list.isNull else { return [] }
        if let branches = alternatives(list, context) {
            return union(branches.map { statements(inList: $0, context) })
        }
        if list.intrinsic != nil { return nil }
        switch list.kind {
        case .null: return []
        case .scalar: return nil
        case .mapping: return statement(list, context).map { [$0] }
        case .sequence(let items): return union(items.map { item in
            if let branches = alternatives(item, context) { return union(branches.map { statements(inList: $0, context) }) }
            return statement(item, context).map { [$0] }
        })
        }
    }

    /// The statements of an inline `Policies` list (roles, groups, users).
    static func statements(inPolicies policies: Node?, _ context: TemplateContext) -> [PolicyStatement]? {
        guard let policies, !policies.isNull else { return [] }
        if let branches = alternatives(policies, context) {
            return union(branches.map { statements(inPolicies: $0, context) })
        }
        guard policies.intrinsic == nil, let items = policies.items else { return nil }
        return union(items.map { item in
            if let branches = alternatives(item, context) { return union(branches.map { statements(inPolicies: .sequence([$0]), context) }) }
            return statements(inDocument: item["PolicyDocument"], context)
        })
    }

    private static func statement(_ node: Node, _ context: TemplateContext) -> PolicyStatement? {
        guard node.entries != nil, node.intrinsic == nil else { return nil }
        let effect = context.resolve(node["Effect"]).text ?? ""
        return PolicyStatement(
            effect: effect,
            actions: context.resolveList(node["Action"]),
            resources: context.resolveList(node["Resource"]),
            line: node.line)
    }

    /// The values an `Fn::If` may take (`Ref: AWS::NoValue` counts as an empty value).
    private static func alternatives(_ node: Node, _ context: TemplateContext) -> [Node]? {
        guard let (name, argument) = node.intrinsic else { return nil }
        if name == "Fn::If", let parts = argument.items, parts.count == 3 {
            return [parts[1], parts[2]].map { context.resolve($0) == .absent && $0.intrinsic != nil ? .null : $0 }
        }
        if name == "Ref", argument.string == "AWS::NoValue" { return [.null] }
        return nil
    }

    private static func union(_ parts: [[PolicyStatement]?]) -> [PolicyStatement]? {
        var all: [PolicyStatement] = []
        for part in parts {
            guard let part else { return nil }
            all += part
        }
        return all
    }
}
