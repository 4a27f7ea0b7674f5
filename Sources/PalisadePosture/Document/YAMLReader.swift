import Yams

/// Turns YAML or JSON text into `Node`s, rewriting CloudFormation's short tags (`!Ref x`, `!GetAtt a.b`,
/// `!Sub …`) into the long form (`{Ref: x}`, `{Fn::GetAtt: [a, b]}`) so later stages see one spelling.
public enum YAMLReader {
    public static func parse(_ text: String, file: String) throws(PostureError) -> Node {
        let root: Yams.Node?
        do {
            // Tags are resolved here (nulls by their spelling, intrinsics by their `!` tag), so Yams's
            // regular-expression tag resolution of every scalar is skipped.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw PostureError(.invalidSyntax, file: file, line: line(of: error), problem(of: error))
        } catch {
            throw PostureError(.invalidSyntax, file: file, "\(error)")
        }
        guard let root else { return .null }
        return convert(root)
    }

    private static func convert(_ node: Yams.Node) -> Node {
        let line = node.mark?.line ?? 0
        let converted: Node
        switch node {
        case .scalar(let scalar):
            let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            converted = isNull ? Node(.null, line: line) : .scalar(scalar.string, line: line)
        case .sequence(let sequence):
            converted = .sequence(sequence.map(convert), line: line)
        case .mapping(let mapping):
            converted = .mapping(mapping.map { Node.Entry(key: $0.key.string ?? "", value: convert($0.value), keyLine: $0.key.mark?.line) }, line: line)
        case .alias:
            converted = Node(.null, line: line)
        }
        return intrinsic(tag: node.tag.description, converted)
    }

    /// Wraps a value carrying a short intrinsic tag in its long-form mapping.
    private static func intrinsic(tag: String, _ value: Node) -> Node {
        guard tag.hasPrefix("!"), !tag.hasPrefix("!!") else { return value }
        let name = String(tag.dropFirst())
        let key: String
        var argument = value
        switch name {
        case "Ref", "Condition":
            key = name
        case "GetAtt":
            key = "Fn::GetAtt"
            if let text = value.string, let dot = text.firstIndex(of: ".") {
                argument = .sequence(
                    [.scalar(String(text[..<dot]), line: value.line), .scalar(String(text[text.index(after: dot)...]), line: value.line)],
                    line: value.line)
            }
        default:
            key = "Fn::" + name
        }
        return .mapping([Node.Entry(key: key, value: argument)], line: value.line)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        case .duplicatedKeysInMapping(_, let context):
            return context.mark.line
        default:
            return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicated keys: \(duplicates.joined(separator: ", "))"
        default:
            return "\(error)"
        }
    }
}
