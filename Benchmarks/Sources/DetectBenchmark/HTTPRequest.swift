/// One HTTP request, the single source of both sides of a row: Palisade gets it wrapped in the
/// API Gateway REST (v1) event Lambda would receive, ModSecurity gets it as the request itself.
struct HTTPRequest {
    var method: String
    /// Path behind the stage, as the function sees it (`/orders/1042`).
    var path: String
    /// API Gateway resource template the path matched (`/orders/{orderId}`).
    var resource: String
    var pathParameters: [(String, String)] = []
    /// Decoded query parameters, in order.
    var query: [(String, String)] = []
    /// Headers as the client sent them (without `Content-Length`, which is derived).
    var headers: [(String, String)]
    var body: String?

    static let stage = "prod"
    static let host = "api.example.com"
    static let sourceIP = "203.0.113.7"

    /// Request target on the wire: stage, path and percent-encoded query string.
    var uri: String {
        let target = "/\(Self.stage)\(path)"
        guard !query.isEmpty else { return target }
        return target + "?" + query.map { "\(percentEncoded($0))=\(percentEncoded($1))" }.joined(separator: "&")
    }

    /// Headers ModSecurity sees, with the `Content-Length` every client sends along a body.
    var wireHeaders: [(String, String)] {
        guard let body else { return headers }
        return headers + [("Content-Length", String(body.utf8.count))]
    }

    /// The API Gateway REST (v1) proxy event for this request, shaped as Lambda delivers it.
    var apiGatewayEvent: JSON {
        let queryValue: JSON = query.isEmpty ? .null : .object(query.map { ($0, .string($1)) })
        let multiQueryValue: JSON = query.isEmpty ? .null : .object(query.map { ($0, .array([.string($1)])) })
        let userAgent = headers.first { $0.0 == "User-Agent" }?.1 ?? ""
        return .object([
            ("resource", .string(resource)),
            ("path", .string(path)),
            ("httpMethod", .string(method)),
            ("headers", .object(headers.map { ($0, .string($1)) })),
            ("multiValueHeaders", .object(headers.map { ($0, .array([.string($1)])) })),
            ("queryStringParameters", queryValue),
            ("multiValueQueryStringParameters", multiQueryValue),
            ("pathParameters", pathParameters.isEmpty ? .null : .object(pathParameters.map { ($0, .string($1)) })),
            ("stageVariables", .null),
            ("requestContext", .object([
                ("resourcePath", .string(resource)),
                ("httpMethod", .string(method)),
                ("requestTimeEpoch", .number(1_795_416_012_345)),
                ("path", .string("/\(Self.stage)\(path)")),
                ("accountId", .string("123456789012")),
                ("protocol", .string("HTTP/1.1")),
                ("stage", .string(Self.stage)),
                ("requestId", .string("c6af9ac6-7b61-41e6-9a41-93e8d1b2c3d4")),
                ("identity", .object([
                    ("sourceIp", .string(Self.sourceIP)),
                    ("userAgent", .string(userAgent)),
                ])),
                ("domainName", .string(Self.host)),
                ("apiId", .string("a1b2c3d4e5")),
            ])),
            ("body", body.map(JSON.string) ?? .null),
            ("isBase64Encoded", .bool(false)),
        ])
    }

    /// RFC 3986 unreserved characters stay, everything else becomes `%XX`.
    private func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return encoded
    }
}

/// Who calls the API; decides how many headers a request carries.
enum Client {
    /// A browser behind CloudFront: a long user agent and the forwarding headers.
    case browser
    /// A mobile app or another service: the few headers an HTTP library sends.
    case service
}

/// Headers a JSON API behind API Gateway typically receives from `client`.
func typicalHeaders(contentType: String?, client: Client = .browser) -> [(String, String)] {
    var headers: [(String, String)] = switch client {
    case .browser: [
        ("Accept", "application/json"),
        ("Accept-Encoding", "gzip, deflate, br"),
        ("Host", HTTPRequest.host),
        ("User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"),
        ("X-Amzn-Trace-Id", "Root=1-6741a1cc-3f1e2d4c5b6a79808f9e0d1c"),
        ("X-Forwarded-For", HTTPRequest.sourceIP),
        ("X-Forwarded-Proto", "https"),
    ]
    case .service: [
        ("Accept", "application/json"),
        ("Host", HTTPRequest.host),
        ("User-Agent", "okhttp/4.12.0"),
        ("X-Forwarded-For", HTTPRequest.sourceIP),
    ]
    }
    if let contentType { headers.insert(("Content-Type", contentType), at: 1) }
    return headers
}
