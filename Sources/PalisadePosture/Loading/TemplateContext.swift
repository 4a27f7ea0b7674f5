/// What a CloudFormation template knows about its own values: parameter defaults and the types of
/// its resources, so `!Ref Param` resolves to the default and `!GetAtt Queue.Arn` to the kind of
/// thing it points at.
struct TemplateContext {
    let file: String
    let parameterDefaults: [String: Node]
    let resourceTypes: [String: String]

    init(file: String, root: Node) {
        self.file = file
        var defaults: [String: Node] = [:]
        for entry in root["Parameters"]?.entries ?? [] {
            if let value = entry.value["Default"] { defaults[entry.key] = value }
        }
        parameterDefaults = defaults
        var types: [String: String] = [:]
        for entry in root["Resources"]?.entries ?? [] {
            if let type = entry.value["Type"]?.string { types[entry.key] = type }
        }
        resourceTypes = types
    }

    /// The scalar a value stands for, following `Ref`s to parameter defaults.
    func resolve(_ node: Node?) -> Known {
        guard let node, !node.isNull else { return .absent }
        if let text = node.string { return .value(text) }
        if let (name, argument) = node.intrinsic, name == "Ref", let target = argument.string {
            if target == "AWS::NoValue" { return .absent }
            if let value = parameterDefaults[target] { return resolve(value) }
        }
        return .unresolved
    }

    /// The scalars of a value that is one item or a list, each resolved; unknown items are dropped.
    func resolveList(_ node: Node?) -> [String] {
        guard let node else { return [] }
        if let (name, argument) = node.intrinsic, name == "Ref", let target = argument.string,
           let value = parameterDefaults[target] {
            return resolveList(value)
        }
        return node.scalarList.compactMap { resolve($0).text }
    }

    /// The logical id or literal name/ARN a value points at: `!Ref X`, `!GetAtt X.Arn`,
    /// `!Sub "${X.Arn}"` or a plain string.
    func target(_ node: Node?) -> String? {
        guard let node else { return nil }
        if let text = node.string { return text }
        guard let (name, argument) = node.intrinsic else { return nil }
        switch name {
        case "Ref":
            return argument.string
        case "Fn::GetAtt":
            if let parts = argument.items, let first = parts.first?.string { return first }
            return argument.string.map { String($0.split(separator: ".").first ?? "") }
        case "Fn::Sub":
            let template = argument.string ?? argument.items?.first?.string ?? ""
            return Self.substitutions(in: template).first { resourceTypes[$0] != nil }
        default:
            return nil
        }
    }

    /// The names inside `${…}` of an `Fn::Sub` string, without attribute suffixes.
    static func substitutions(in template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.range(of: "${") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: "}") else { break }
            let name = rest[..<close].split(separator: ".").first.map(String.init) ?? ""
            names.append(name)
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    func ref(_ logicalID: String, type: String, entry: Node.Entry) -> ResourceRef {
        ResourceRef(id: "\(type).\(logicalID)", file: file, line: entry.keyLine, endLine: entry.value.lastLine)
    }
}
