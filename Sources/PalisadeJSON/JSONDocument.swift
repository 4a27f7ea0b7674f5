/// A parsed JSON document kept as a flat tape of nodes that point into the source bytes.
///
/// Strings are not copied while parsing: a node remembers where its text lies and whether it has
/// escapes, so the event reader decodes only what it looks at. No Foundation, one allocation for the
/// tape, and fixed limits so that hostile input costs time linear in its size.
public final class JSONDocument: Sendable {
    public let bytes: [UInt8]
    @usableFromInline let nodes: [JSONNode]

    public init(bytes: [UInt8], limits: JSONLimits = .default) throws(JSONError) {
        guard bytes.count <= limits.maxBytes else {
            throw JSONError(.tooLarge, offset: limits.maxBytes, "document has \(bytes.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        var parser = JSONParser(limits: limits)
        let parsed: Result<[JSONNode], JSONError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONError) {
                return .success(try parser.parseDocument(buffer))
            } catch {
                return .failure(error)
            }
        }
        self.bytes = bytes
        self.nodes = try parsed.get()
    }

    public convenience init(_ text: String, limits: JSONLimits = .default) throws(JSONError) {
        try self.init(bytes: Array(text.utf8), limits: limits)
    }

    public var root: JSONValue { JSONValue(document: self, index: 0) }
}

/// Bounds that keep parsing of an untrusted document cheap and predictable.
public struct JSONLimits: Sendable {
    /// Larger than Lambda's 6 MB synchronous payload, so a real event always fits.
    public var maxBytes: Int
    /// Deep enough for any real event, shallow enough that recursion stays small.
    public var maxDepth: Int

    public init(maxBytes: Int = 8 << 20, maxDepth: Int = 128) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    public static let `default` = JSONLimits()
}

public enum JSONKind: UInt8, Sendable {
    case object, array, string, number, `true`, `false`, null
}

@usableFromInline
struct JSONNode: Sendable {
    @usableFromInline var kind: JSONKind
    /// For strings: the text has at least one backslash escape.
    @usableFromInline var hasEscapes: Bool
    /// Byte range of the value; for strings it excludes the quotes.
    @usableFromInline var start: UInt32
    @usableFromInline var end: UInt32
    /// Index of the first node after this value's subtree.
    @usableFromInline var next: UInt32
    /// Members of an object or elements of an array.
    @usableFromInline var count: UInt32
}
