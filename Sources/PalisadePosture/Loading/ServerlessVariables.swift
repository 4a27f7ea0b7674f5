import Foundation

/// Resolves Serverless Framework variables (`${self:…}`, `${env:…}`, `${opt:…}`, `${file(…)}`,
/// `${sls:stage}`, with `, fallback` alternatives) in a serverless.yml tree. A variable that cannot be
/// resolved stays as written, so a check sees the text rather than a guess.
struct ServerlessVariables {
    let root: Node
    let directory: URL
    let environment: [String: String]
    let options: [String: String]
    /// Guards against `${self:a}` pointing back at itself.
    private static let maximumDepth = 16

    func resolve(_ node: Node, depth: Int = 0) -> Node {
        guard depth < Self.maximumDepth else { return node }
        switch node.kind {
        case .null: return node
        case .scalar(let text):
            guard text.contains("${") else { return node }
            return resolve(text: text, line: node.line, depth: depth) ?? node
        case .sequence(let items):
            return .sequence(items.map { resolve($0, depth: depth) }, line: node.line)
        case .mapping(let entries):
            return .mapping(entries.map { Node.Entry(key: $0.key, value: resolve($0.value, depth: depth), keyLine: $0.keyLine) }, line: node.line)
        }
    }

    /// A string with variables: one variable alone may stand for any value (a map from a file);
    /// variables inside text are spliced in as text. `nil` when something stays unresolved.
    private func resolve(text: String, line: Int, depth: Int) -> Node? {
        let pieces = Self.split(text)
        if pieces.count == 1, case .variable(let expression) = pieces[0] {
            return evaluate(expression, line: line, depth: depth)
        }
        var result = ""
        for piece in pieces {
            switch piece {
            case .text(let literal): result += literal
            case .variable(let expression):
                guard let value = evaluate(expression, line: line, depth: depth)?.string else { return nil }
                result += value
            }
        }
        return .scalar(result, line: line)
    }

    /// The first alternative of `a, b, 'literal'` that resolves.
    private func evaluate(_ expression: String, line: Int, depth: Int) -> Node? {
        for alternative in Self.alternatives(expression) {
            if let value = evaluateOne(alternative, line: line, depth: depth) { return value }
        }
        return nil
    }

    private func evaluateOne(_ raw: String, line: Int, depth: Int) -> Node? {
        var source = raw.trimmingCharacters(in: .whitespaces)
        if source.contains("${") {
            guard let inner = resolve(text: source, line: line, depth: depth + 1)?.string else { return nil }
            source = inner
        }
        if let quote = source.first, quote == "'" || quote == "\"", source.count >= 2, source.last == quote {
            return .scalar(String(source.dropFirst().dropLast()), line: line)
        }
        if source == "null" { return .null }
        if Double(source) != nil || source == "true" || source == "false" { return .scalar(source, line: line) }
        if source.hasPrefix("self:") {
            return lookup(path: String(source.dropFirst(5)), depth: depth)
        }
        if source.hasPrefix("env:") {
            return environment[String(source.dropFirst(4))].map { .scalar($0, line: line) }
        }
        if source.hasPrefix("opt:") {
            return options[String(source.dropFirst(4))].map { .scalar($0, line: line) }
        }
        if source == "sls:stage" {
            return .scalar(options["stage"] ?? "dev", line: line)
        }
        if source.hasPrefix("file(") {
            return file(source, depth: depth)
        }
        return nil
    }

    /// `self:a.b.c`: walks the tree, resolving variables met on the way (`custom: ${file(x.yml)}`).
    private func lookup(path: String, depth: Int) -> Node? {
        var current = root
        for key in path.split(separator: ".").map(String.init) where !key.isEmpty {
            if current.string?.contains("${") == true { current = resolve(current, depth: depth + 1) }
            guard let next = current[key] else { return nil }
            current = next
        }
        let resolved = resolve(current, depth: depth + 1)
        return resolved.string?.contains("${") == true ? nil : resolved
    }

    /// `file(path)` or `file(path):a.b`, relative to the serverless.yml.
    private func file(_ source: String, depth: Int) -> Node? {
        guard let close = source.firstIndex(of: ")") else { return nil }
        let path = source[source.index(source.startIndex, offsetBy: 5)..<close].trimmingCharacters(in: .whitespaces)
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let parsed = try? YAMLReader.parse(text, file: url.path) else { return nil }
        let included = ServerlessVariables(root: parsed, directory: url.deletingLastPathComponent(), environment: environment, options: options)
        var node = included.resolve(parsed, depth: depth + 1)
        let rest = source[source.index(after: close)...]
        if rest.hasPrefix(":") {
            for key in rest.dropFirst().split(separator: ".") {
                guard let next = node[String(key)] else { return nil }
                node = next
            }
        }
        return node
    }

    enum Piece: Equatable {
        case text(String)
        case variable(String)
    }

    /// Splits text into literal parts and the insides of top-level `${…}`, honouring nesting.
    static func split(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix("${"), let end = matchingBrace(text, from: text.index(index, offsetBy: 2)) {
                if !literal.isEmpty { pieces.append(.text(literal)); literal = "" }
                pieces.append(.variable(String(text[text.index(index, offsetBy: 2)..<end])))
                index = text.index(after: end)
            } else {
                literal.append(text[index])
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        return pieces
    }

    private static func matchingBrace(_ text: String, from start: String.Index) -> String.Index? {
        var depth = 0
        var index = start
        while index < text.endIndex {
            switch text[index] {
            case "{": depth += 1
            case "}":
                if depth == 0 { return index }
                depth -= 1
            default: break
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// Splits `a, b(c, d), 'e, f'` at the commas that are not nested or quoted.
    static func alternatives(_ expression: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var nesting = 0
        var quote: Character?
        for character in expression {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
                continue
            }
            switch character {
            case "'", "\"": quote = character
            case "(", "{": nesting += 1
            case ")", "}": nesting -= 1
            case "," where nesting == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}
