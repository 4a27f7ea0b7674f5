import Crypto
import Foundation

/// AWS Signature Version 4 for one request.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Sign `x-amz-content-sha256` too (S3 requires it; other services accept it).
    public var signsPayloadHash = true

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add: `x-amz-date`, `x-amz-content-sha256`, the token if any, `authorization`.
    public func headers(method: String, url: URL, headers: [String: String], body: Data, date: Date) -> [String: String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let amzDate = formatter.string(from: date)
        let day = String(amzDate.prefix(8))
        let payloadHash = Self.hex(SHA256.hash(data: body))

        var signed = headers.reduce(into: [String: String]()) { $0[$1.key.lowercased()] = $1.value.trimmingCharacters(in: .whitespaces) }
        var host = url.host ?? ""
        if let port = url.port { host += ":\(port)" }
        signed["host"] = host
        signed["x-amz-date"] = amzDate
        if signsPayloadHash { signed["x-amz-content-sha256"] = payloadHash }
        if let token = credentials.sessionToken { signed["x-amz-security-token"] = token }
        let names = signed.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(signed[$0]!)\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let path = url.path.isEmpty ? "/" : url.path
        // Services other than S3 sign the path encoded twice: once for the wire, once more here.
        let canonicalPath = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            service == "s3" ? Self.encode(String(segment)) : Self.encode(Self.encode(String(segment)))
        }.joined(separator: "/")
        let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        let canonicalQuery = query.map { (Self.encode($0.name), Self.encode($0.value ?? "")) }.sorted { $0 < $1 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")

        let canonicalRequest = [method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))

        var result = ["x-amz-date": amzDate]
        if signsPayloadHash { result["x-amz-content-sha256"] = payloadHash }
        if let token = credentials.sessionToken { result["x-amz-security-token"] = token }
        result["authorization"] = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return result
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    static func encode(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
