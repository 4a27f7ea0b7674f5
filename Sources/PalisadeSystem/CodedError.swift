/// An error with a stable code (for logs, tests and docs) and a sentence for people.
public struct CodedError<Code: RawRepresentable & Sendable>: Error, Sendable, CustomStringConvertible where Code.RawValue == String {
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
