/// The head of one HTTP/1.1 message as it came over the wire: its bytes, kept to be passed on
/// unchanged (every header, in its order and spelling), and where its parts are.
public struct WireHead: Sendable {
    public let bytes: [UInt8]
    /// Method, target, version of a request; version, status, reason of a response.
    let startLine: (Range<Int>, Range<Int>, Range<Int>)
    let fields: [(name: Range<Int>, value: Range<Int>)]

    /// Parses a head that ends with its blank line, in one pass over its bytes.
    public init(bytes: [UInt8]) throws(HTTPExchangeError) {
        self.bytes = bytes
        let count = bytes.count
        var index = 0
        // Start line: up to the first CRLF, split at its first two spaces.
        var spaces: [Int] = []
        while index + 1 < count, !(bytes[index] == 13 && bytes[index + 1] == 10) {
            if bytes[index] == 32, spaces.count < 2 { spaces.append(index) }
            index += 1
        }
        guard index + 1 < count, let firstSpace = spaces.first else { throw HTTPExchangeError(.malformed, "no start line") }
        let lineEnd = index
        let secondSpace = spaces.count > 1 ? spaces[1] : lineEnd
        startLine = (0..<firstSpace, firstSpace + 1..<secondSpace, min(secondSpace + 1, lineEnd)..<lineEnd)
        index += 2
        var fields: [(name: Range<Int>, value: Range<Int>)] = []
        fields.reserveCapacity(12)
        while index + 1 < count, !(bytes[index] == 13 && bytes[index + 1] == 10) {
            let lineStart = index
            var colon = -1
            while index + 1 < count, !(bytes[index] == 13 && bytes[index + 1] == 10) {
                if colon < 0, bytes[index] == UInt8(ascii: ":") { colon = index }
                index += 1
            }
            guard colon > lineStart else { throw HTTPExchangeError(.malformed, "header line without a name") }
            var valueStart = colon + 1
            var valueEnd = index
            while valueStart < valueEnd, bytes[valueStart] == 32 || bytes[valueStart] == 9 { valueStart += 1 }
            while valueEnd > valueStart, bytes[valueEnd - 1] == 32 || bytes[valueEnd - 1] == 9 { valueEnd -= 1 }
            fields.append((lineStart..<colon, valueStart..<valueEnd))
            index += 2
        }
        self.fields = fields
    }

    public var method: ArraySlice<UInt8> { bytes[startLine.0] }
    public var target: ArraySlice<UInt8> { bytes[startLine.1] }
    public var targetString: String { String(decoding: target, as: UTF8.self) }
    /// A response's status code.
    public var status: Int {
        bytes[startLine.1].reduce(0) { status, byte in (48...57).contains(byte) && status < 1000 ? status * 10 + Int(byte - 48) : 1000 } % 1000
    }

    /// The first value of a header (names compare without case).
    public func value(_ name: String) -> ArraySlice<UInt8>? {
        fields.first { Self.namesMatch(bytes[$0.name], name) }.map { bytes[$0.value] }
    }

    public func string(_ name: String) -> String? {
        value(name).map { String(decoding: $0, as: UTF8.self) }
    }

    static func namesMatch(_ bytes: ArraySlice<UInt8>, _ name: String) -> Bool {
        bytes.count == name.utf8.count && zip(bytes, name.utf8).allSatisfy { $0 | 0x20 == $1 | 0x20 }
    }

    /// How a request's body is delimited.
    public var requestFraming: BodyFraming {
        get throws(HTTPExchangeError) {
            if isChunked { return .chunked }
            return try contentLength.map { .length($0) } ?? .none
        }
    }

    /// How a response's body is delimited (answers to HEAD do not occur on the Lambda APIs).
    public var responseFraming: BodyFraming {
        get throws(HTTPExchangeError) {
            let status = status
            if (100..<200).contains(status) || status == 204 || status == 304 { return .none }
            if isChunked { return .chunked }
            return try contentLength.map { .length($0) } ?? .untilClose
        }
    }

    /// A client that sent `Expect: 100-continue` waits (curl: a second) for an interim answer
    /// before it sends a body of over a megabyte.
    public var expectsContinue: Bool {
        value("Expect").map { Self.namesMatch($0, "100-continue") } ?? false
    }

    /// Whether the last transfer coding is `chunked` (read on bytes: every message passes here).
    var isChunked: Bool {
        guard let codings = value("Transfer-Encoding") else { return false }
        let last = codings.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).last ?? []
        let trimmed = last.drop { $0 == 32 || $0 == 9 }
        return Self.namesMatch(trimmed, "chunked")
    }

    var contentLength: Int? {
        get throws(HTTPExchangeError) {
            guard let text = value("Content-Length") else { return nil }
            var length = 0
            for byte in text {
                guard (48...57).contains(byte), length < 1 << 40 else {
                    throw HTTPExchangeError(.malformed, "Content-Length \(String(decoding: text.prefix(20), as: UTF8.self))")
                }
                length = length * 10 + Int(byte - 48)
            }
            guard !text.isEmpty else { throw HTTPExchangeError(.malformed, "empty Content-Length") }
            return length
        }
    }

    /// The same head for a body of `contentLength` bytes sent whole: any framing headers replaced,
    /// `target` and `setting` replacing what they name, every other header as it was.
    public func rewritten(target newTarget: String? = nil, contentLength: Int, setting: [(name: String, value: String)] = []) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 32)
        output += bytes[startLine.0]
        output.append(32)
        if let newTarget { output += newTarget.utf8 } else { output += bytes[startLine.1] }
        output.append(32)
        output += bytes[startLine.2]
        output += [13, 10]
        let replaced = ["Content-Length", "Transfer-Encoding"] + setting.map(\.name)
        for field in fields where !replaced.contains(where: { Self.namesMatch(bytes[field.name], $0) }) {
            output += bytes[field.name.lowerBound..<field.value.upperBound]
            output += [13, 10]
        }
        for (name, value) in setting + [("Content-Length", String(contentLength))] {
            output += name.utf8
            output += [58, 32]
            output += value.utf8
            output += [13, 10]
        }
        output += [13, 10]
        return output
    }
}

/// How a message's body ends.
public enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
    /// A response without length or chunks: its body runs to the end of the connection.
    case untilClose
}
