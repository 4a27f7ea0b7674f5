import Foundation
import Hummingbird
import PalisadeStore

/// A refusal the API returns as `{"error": {"code", "message"}}`; the code is stable, the message explains.
public struct ConsoleError: HTTPResponseError, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unsignedRequest = "signature.missing"
        case unknownKey = "signature.unknown_key"
        case badSignature = "signature.mismatch"
        case expiredTimestamp = "signature.expired"
        case replayedNonce = "signature.replayed"
        case badTimestamp = "signature.bad_timestamp"
        case missingToken = "auth.missing_token"
        case badToken = "auth.bad_token"
        case forbidden = "auth.forbidden"
        case bodyTooLarge = "request.too_large"
        case badEncoding = "request.bad_encoding"
        case malformedBody = "request.malformed"
        case invalidField = "request.invalid_field"
        case invalidPolicy = "policy.invalid"
        case notFound = "not_found"
        case conflict = "conflict"
        case storage = "storage.failed"
    }

    public let status: HTTPResponse.Status
    public let code: Code
    public let message: String

    public init(_ status: HTTPResponse.Status, _ code: Code, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder().encode(["error": ["code": code.rawValue, "message": message]])
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// Storage failures become 409 for conflicts, 404 for missing rows, 503 otherwise.
    static func storage(_ error: StoreError) -> ConsoleError {
        switch error.code {
        case .conflict: ConsoleError(.conflict, .conflict, error.message)
        case .notFound: ConsoleError(.notFound, .notFound, error.message)
        default: ConsoleError(.serviceUnavailable, .storage, error.description)
        }
    }
}
