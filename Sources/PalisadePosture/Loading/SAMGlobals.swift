/// SAM's `Globals` section, merged into each serverless resource the way SAM's translator does it:
/// a scalar on the resource wins, maps merge key by key, lists are concatenated with Globals first.
enum SAMGlobals {
    static let sectionForType: [String: String] = [
        "AWS::Serverless::Function": "Function",
        "AWS::Serverless::Api": "Api",
        "AWS::Serverless::HttpApi": "HttpApi",
        "AWS::Serverless::SimpleTable": "SimpleTable",
        "AWS::Serverless::StateMachine": "StateMachine",
        "AWS::Serverless::LayerVersion": "LayerVersion",
    ]

    /// The resource's properties with the matching Globals section applied.
    static func apply(_ globals: Node?, type: String, to properties: Node?) -> Node? {
        guard let section = sectionForType[type], let global = globals?[section] else { return properties }
        guard let properties, !properties.isNull else { return global }
        return merge(global: global, local: properties)
    }

    static func merge(global: Node, local: Node) -> Node {
        // An intrinsic on either side is an opaque value, so the resource's own value stands.
        if global.intrinsic != nil || local.intrinsic != nil { return local }
        switch (global.kind, local.kind) {
        case (.mapping(let globalEntries), .mapping(let localEntries)):
            var merged = localEntries
            for entry in globalEntries {
                if let index = merged.firstIndex(where: { $0.key == entry.key }) {
                    merged[index].value = merge(global: entry.value, local: merged[index].value)
                } else {
                    merged.append(entry)
                }
            }
            return .mapping(merged, line: local.line)
        case (.sequence(let globalItems), .sequence(let localItems)):
            return .sequence(globalItems + localItems, line: local.line)
        default:
            return local
        }
    }
}
