import Foundation
import Hummingbird
import NIOCore

/// JSON answers and bounded body reading, shared by the agent and management APIs.
enum Reply {
    static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = fields[.cacheControl] ?? "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// A JSON text the console already holds (a policy document), sent as is.
    static func rawJSON(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The whole body, refused with 413 above `limit` before it is read when Content-Length says so.
    static func body(of request: Request, limit: Int) async throws(ConsoleError) -> [UInt8] {
        let tooLarge = ConsoleError(.contentTooLarge, .bodyTooLarge, "the request body is larger than \(limit) bytes")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch {
            throw ConsoleError(.badRequest, .malformedBody, "the request body could not be read")
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from body: [UInt8]) throws(ConsoleError) -> Value {
        do { return try JSONDecoder().decode(type, from: Data(body)) } catch {
            throw ConsoleError(.badRequest, .malformedBody, "the body is not the expected JSON object")
        }
    }
}
