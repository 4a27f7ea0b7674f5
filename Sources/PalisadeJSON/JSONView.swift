/// A value of a document read through the document's buffers, for a walker that visits every value:
/// unlike `JSONValue`, which holds the document, making or copying one counts no references. Valid
/// only inside the `JSONDocument.withView(tag:_:)` call that handed out its root. Public and
/// inlinable rather than `package`: this toolchain leaves the bodies of `package` inlinable code out
/// of the module, and a call per key, value and step would cost the walker more than the step.
public struct JSONView {
    @usableFromInline let nodes: UnsafeBufferPointer<JSONNode>
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    /// The node of the value in its document's tape, for `JSONDocument.stringBytes(ofNode:)`.
    public let index: Int
    /// The number the caller gave the document in `withView(tag:_:)`, carried by every value read
    /// from it, so that a value can be found again once the call is over.
    public let tag: Int

    @inlinable
    init(nodes: UnsafeBufferPointer<JSONNode>, bytes: UnsafeBufferPointer<UInt8>, index: Int, tag: Int) {
        self.nodes = nodes
        self.bytes = bytes
        self.index = index
        self.tag = tag
    }

    @inlinable
    var node: JSONNode { nodes[index] }

    @inlinable
    func view(_ index: Int) -> JSONView {
        JSONView(nodes: nodes, bytes: bytes, index: index, tag: tag)
    }

    @inlinable
    public var kind: JSONKind { node.kind }

    /// The value at node `index` of this value's document (the `index` of another view of it).
    @inlinable
    public func value(atNode index: Int) -> JSONView { view(index) }

    /// Byte range of the value in the document (strings without their quotes).
    @inlinable
    public var span: Range<Int> {
        let node = self.node
        return Int(node.start)..<Int(node.end)
    }

    /// The decoded bytes of a string, or the literal text of a number or boolean.
    @inlinable
    public var stringBytes: [UInt8] {
        let node = self.node
        let text = UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
        if node.kind == .string, node.hasEscapes { return JSONEscapes.unescape(text) }
        return Array(text)
    }

    /// Calls `body` with what `stringBytes` holds, in place in the document, unless the string has
    /// escapes (then nil): a reader that may not keep the bytes needs no copy of them.
    @inlinable
    public func withPlainBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result? {
        let node = self.node
        if node.kind == .string, node.hasEscapes { return nil }
        return try body(UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]))
    }

    /// Appends what `stringBytes` holds, without the intermediate array when there are no escapes.
    @inlinable
    public func appendStringBytes(to output: inout [UInt8]) {
        let node = self.node
        if node.kind == .string, node.hasEscapes { return output += stringBytes }
        output += UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
    }

    /// True when this string's decoded text, its ASCII letters lowercased, equals `lowercase`
    /// (which has no capital letter).
    @inlinable
    public func stringEqualsLowercased(_ lowercase: StaticString) -> Bool {
        let node = self.node
        guard node.kind == .string else { return false }
        return lowercase.withUTF8Buffer { expected in
            func equal(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
                guard text.count == expected.count else { return false }
                for index in 0..<text.count where text[index] | (text[index] &- 0x41 < 26 ? 0x20 : 0) != expected[index] { return false }
                return true
            }
            if node.hasEscapes { return stringBytes.withUnsafeBufferPointer(equal) }
            return equal(UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]))
        }
    }

    /// True when this string's decoded text equals `text`.
    @inlinable
    public func stringEquals(_ text: StaticString) -> Bool {
        let node = self.node
        guard node.kind == .string else { return false }
        if node.hasEscapes { return text.withUTF8Buffer { $0.elementsEqual(stringBytes) } }
        return text.withUTF8Buffer { expected in
            sameBytes(expected, UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]))
        }
    }

    @inlinable
    public var isTrue: Bool { kind == .true }

    /// The elements of an array (empty for other kinds).
    @inlinable
    public var elements: Elements { Elements(first: view(index + 1), count: kind == .array ? Int(node.count) : 0) }

    /// The members of an object (empty for other kinds).
    @inlinable
    public var members: Members { Members(first: view(index + 1), count: kind == .object ? Int(node.count) : 0) }

    /// The value of the first member named `key`.
    @inlinable
    public subscript(key: StaticString) -> JSONView? {
        let object = node
        guard object.kind == .object else { return nil }
        return key.withUTF8Buffer { expected in
            var cursor = index + 1
            for _ in 0..<Int(object.count) {
                let name = nodes[cursor]
                let matches = name.hasEscapes
                    ? view(cursor).stringEquals(key)
                    : sameBytes(expected, UnsafeBufferPointer(rebasing: bytes[Int(name.start)..<Int(name.end)]))
                if matches { return view(cursor + 1) }
                cursor = Int(nodes[cursor + 1].next)
            }
            return nil
        }
    }

    /// `self[first]?[second]`: chains of keys spelled out rather than variadic, which costs an array.
    @inlinable
    public func value(at first: StaticString, _ second: StaticString) -> JSONView? {
        self[first]?[second]
    }

    @inlinable
    public func value(at first: StaticString, _ second: StaticString, _ third: StaticString) -> JSONView? {
        self[first]?[second]?[third]
    }

    public struct Elements: Sequence {
        @usableFromInline let first: JSONView
        @usableFromInline let count: Int

        @inlinable
        init(first: JSONView, count: Int) {
            self.first = first
            self.count = count
        }

        public struct Iterator: IteratorProtocol {
            @usableFromInline var cursor: JSONView
            @usableFromInline var remaining: Int

            @inlinable
            init(cursor: JSONView, remaining: Int) {
                self.cursor = cursor
                self.remaining = remaining
            }

            @inlinable
            public mutating func next() -> JSONView? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let value = cursor
                cursor = cursor.view(Int(cursor.node.next))
                return value
            }
        }

        @inlinable
        public func makeIterator() -> Iterator { Iterator(cursor: first, remaining: count) }
    }

    public struct Members: Sequence {
        @usableFromInline let first: JSONView
        @usableFromInline let count: Int

        @inlinable
        init(first: JSONView, count: Int) {
            self.first = first
            self.count = count
        }

        public struct Iterator: IteratorProtocol {
            @usableFromInline var cursor: JSONView
            @usableFromInline var remaining: Int

            @inlinable
            init(cursor: JSONView, remaining: Int) {
                self.cursor = cursor
                self.remaining = remaining
            }

            @inlinable
            public mutating func next() -> (key: JSONView, value: JSONView)? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let key = cursor
                let value = cursor.view(cursor.index + 1)
                cursor = cursor.view(Int(value.node.next))
                return (key, value)
            }
        }

        @inlinable
        public func makeIterator() -> Iterator { Iterator(cursor: first, remaining: count) }
    }
}

/// Byte-wise equality that compares the lengths first (`elementsEqual` walks both sequences).
@inlinable
func sameBytes(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Bool {
    guard first.count == second.count else { return false }
    for index in first.indices where first[index] != second[index] { return false }
    return true
}

extension JSONDocument {
    /// Calls `body` with the root as a `JSONView` tagged `tag`; the views must not outlive the call.
    @inlinable
    public func withView<Result>(tag: Int, _ body: (JSONView) throws -> Result) rethrows -> Result {
        try nodes.withUnsafeBufferPointer { nodes in
            try bytes.withUnsafeBufferPointer { bytes in
                try body(JSONView(nodes: nodes, bytes: bytes, index: 0, tag: tag))
            }
        }
    }

    /// `stringBytes` of the value at node `index` (a `JSONView`'s `index`).
    public func stringBytes(ofNode index: Int) -> [UInt8] {
        JSONValue(document: self, index: index).stringBytes
    }
}
