/// A storage failure, with a stable code the API can return.
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The database location could not be parsed.
        case invalidLocation = "store.invalid_location"
        /// The database could not be opened, reached or migrated.
        case unavailable = "store.unavailable"
        /// A statement failed (the message carries the database's own words).
        case statementFailed = "store.statement_failed"
        /// A unique value (group name, policy version) already exists.
        case conflict = "store.conflict"
        case notFound = "store.not_found"
        /// The request's nonce was already spent: the batch is a replay and was not filed.
        case replayed = "store.replayed"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
