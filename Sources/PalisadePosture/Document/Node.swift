/// A YAML or JSON value that remembers the line it came from, so every finding and every error can
/// point at the file and line a person has to edit.
public struct Node: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case null
        case scalar(String)
        case sequence([Node])
        case mapping([Entry])
    }

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: Node
        /// Line of the key itself, where a resource's declaration starts.
        public var keyLine: Int

        public init(key: String, value: Node, keyLine: Int? = nil) {
            self.key = key
            self.value = value
            self.keyLine = keyLine ?? value.line
        }
    }

    public var kind: Kind
    /// One-based line of the value's first character (0 when the value was made by the loader).
    public var line: Int

    public init(_ kind: Kind, line: Int = 0) {
        self.kind = kind
        self.line = line
    }

    public static func scalar(_ text: String, line: Int = 0) -> Node { Node(.scalar(text), line: line) }
    public static func mapping(_ entries: [Entry], line: Int = 0) -> Node { Node(.mapping(entries), line: line) }
    public static func sequence(_ items: [Node], line: Int = 0) -> Node { Node(.sequence(items), line: line) }
    public static let null = Node(.null)

    public subscript(key: String) -> Node? {
        guard case .mapping(let entries) = kind else { return nil }
        return entries.last { $0.key == key }?.value
    }

    /// Follows a path of mapping keys, `node["A", "B"]` meaning `node["A"]?["B"]`.
    public subscript(path: String...) -> Node? {
        var current: Node? = self
        for key in path { current = current?[key] }
        return current
    }

    public var string: String? {
        if case .scalar(let text) = kind { return text }
        return nil
    }

    public var items: [Node]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var entries: [Entry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    public var isNull: Bool { kind == .null }

    /// The one key of a single-entry mapping, which is how `Ref` and `Fn::…` intrinsics look.
    public var intrinsic: (name: String, argument: Node)? {
        guard let entries, entries.count == 1 else { return nil }
        let key = entries[0].key
        guard key == "Ref" || key == "Condition" || key.hasPrefix("Fn::") else { return nil }
        return (key, entries[0].value)
    }

    /// Scalars and the items of a sequence, for properties that take one value or a list.
    public var scalarList: [Node] {
        switch kind {
        case .scalar: return [self]
        case .sequence(let items): return items
        case .null, .mapping: return []
        }
    }

    /// The last line of the value, for the line range that inline suppressions are read from.
    public var lastLine: Int {
        switch kind {
        case .null, .scalar: return line
        case .sequence(let items): return max(line, items.map(\.lastLine).max() ?? line)
        case .mapping(let entries): return max(line, entries.map(\.value.lastLine).max() ?? line)
        }
    }
}
