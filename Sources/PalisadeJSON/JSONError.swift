/// Why a document could not be read, with the byte offset where reading stopped.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case empty = "json.empty"
        case unexpectedEnd = "json.unexpected_end"
        case unexpectedByte = "json.unexpected_byte"
        case invalidNumber = "json.invalid_number"
        case invalidString = "json.invalid_string"
        case invalidLiteral = "json.invalid_literal"
        case trailingBytes = "json.trailing_bytes"
        case tooDeep = "json.too_deep"
        case tooLarge = "json.too_large"
    }

    public let code: Code
    public let offset: Int
    public let message: String

    public init(_ code: Code, offset: Int, _ message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(code.rawValue) at byte \(offset): \(message)" }
}
