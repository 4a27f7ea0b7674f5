/// A view of one value in a `JSONDocument`; cheap to copy, valid while the document lives.
public struct JSONValue: Sendable {
    public let document: JSONDocument
    let index: Int

    init(document: JSONDocument, index: Int) {
        self.document = document
        self.index = index
    }

    var node: JSONNode { document.nodes[index] }

    public var kind: JSONKind { node.kind }

    /// Byte range of the value in the document (strings without their quotes).
    public var span: Range<Int> {
        let node = self.node
        return Int(node.start)..<Int(node.end)
    }

    /// Byte range including the quotes of a string, for splicing the document.
    public var fullSpan: Range<Int> {
        let node = self.node
        return node.kind == .string ? Int(node.start) - 1..<Int(node.end) + 1 : Int(node.start)..<Int(node.end)
    }

    public var count: Int { Int(node.count) }

    /// The decoded bytes of a string, or the literal text of a number or boolean.
    public var stringBytes: [UInt8] {
        let node = self.node
        let range = Int(node.start)..<Int(node.end)
        if node.kind == .string, node.hasEscapes {
            return document.bytes.withUnsafeBufferPointer { JSONEscapes.unescape(UnsafeBufferPointer(rebasing: $0[range])) }
        }
        return Array(document.bytes[range])
    }

    public var string: String? {
        let node = self.node
        guard node.kind == .string else { return nil }
        if node.hasEscapes { return String(decoding: stringBytes, as: UTF8.self) }
        // Straight from the document's bytes: no intermediate array (a console ingest reads ~15 a event).
        return document.bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(node.start)..<Int(node.end)]), as: UTF8.self) }
    }

    /// True when this string's decoded text equals `text`; compares in place when there are no escapes.
    public func stringEquals(_ text: StaticString) -> Bool {
        let node = self.node
        guard node.kind == .string else { return false }
        if node.hasEscapes {
            return text.withUTF8Buffer { $0.elementsEqual(stringBytes) }
        }
        return text.withUTF8Buffer { expected in
            document.bytes.withUnsafeBufferPointer { bytes in
                sameBytes(expected, UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]))
            }
        }
    }

    /// The elements of an array (empty for other kinds).
    public var elements: JSONElements { JSONElements(document: document, first: index + 1, count: kind == .array ? count : 0) }

    /// The members of an object (empty for other kinds).
    public var members: JSONMembers { JSONMembers(document: document, first: index + 1, count: kind == .object ? count : 0) }

    /// The value of the first member named `key`. Walks the tape in place rather than through
    /// `members`, whose every step makes two views holding the document (the reader asks ~20 a event).
    public subscript(key: StaticString) -> JSONValue? {
        let object = node
        guard object.kind == .object else { return nil }
        let found: Int? = document.nodes.withUnsafeBufferPointer { nodes in
            document.bytes.withUnsafeBufferPointer { bytes in
                key.withUTF8Buffer { expected in
                    var cursor = index + 1
                    for _ in 0..<Int(object.count) {
                        let name = nodes[cursor]
                        let matches = name.hasEscapes
                            ? JSONValue(document: document, index: cursor).stringEquals(key)
                            : sameBytes(expected, UnsafeBufferPointer(rebasing: bytes[Int(name.start)..<Int(name.end)]))
                        if matches { return cursor + 1 }
                        cursor = Int(nodes[cursor + 1].next)
                    }
                    return nil
                }
            }
        }
        return found.map { JSONValue(document: document, index: $0) }
    }

    /// Follows a chain of object keys.
    public func value(at path: StaticString...) -> JSONValue? {
        var current: JSONValue? = self
        for key in path {
            current = current?[key]
        }
        return current
    }

    public var isTrue: Bool { kind == .true }
}

public struct JSONElements: Sequence, Sendable {
    let document: JSONDocument
    let first: Int
    let count: Int

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var cursor: Int
        var remaining: Int

        public mutating func next() -> JSONValue? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let value = JSONValue(document: document, index: cursor)
            cursor = Int(document.nodes[cursor].next)
            return value
        }
    }

    public func makeIterator() -> Iterator { Iterator(document: document, cursor: first, remaining: count) }
}

public struct JSONMembers: Sequence, Sendable {
    let document: JSONDocument
    let first: Int
    let count: Int

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var cursor: Int
        var remaining: Int

        public mutating func next() -> (key: JSONValue, value: JSONValue)? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let key = JSONValue(document: document, index: cursor)
            let valueIndex = cursor + 1
            cursor = Int(document.nodes[valueIndex].next)
            return (key, JSONValue(document: document, index: valueIndex))
        }
    }

    public func makeIterator() -> Iterator { Iterator(document: document, cursor: first, remaining: count) }
}
