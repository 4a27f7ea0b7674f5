/// The agent ↔ console signing scheme (docs/console-protocol.md): both sides build the same string to sign.
public enum RequestSigning {
    public static let keyHeader = "X-Palisade-Key"
    public static let timestampHeader = "X-Palisade-Timestamp"
    public static let nonceHeader = "X-Palisade-Nonce"
    public static let signatureHeader = "X-Palisade-Signature"

    /// How far the agent's clock may be from the console's, and so how long a nonce must be remembered.
    public static let allowedSkewSeconds: Int64 = 300
    /// Largest request body the console reads, compressed or not (413 above it).
    public static let maxBodyBytes = 5 << 20

    /// `method \n path \n timestamp \n nonce \n hex(SHA256(body as sent))`; path includes the query string.
    public static func stringToSign(method: String, path: String, timestamp: Int64, nonce: String, bodyDigestHex: String) -> String {
        "\(method)\n\(path)\n\(timestamp)\n\(nonce)\n\(bodyDigestHex)"
    }

    /// The signature header value for one request.
    public static func signature(secret: String, method: String, path: String, timestamp: Int64, nonce: String, body: [UInt8]) -> String {
        let message = stringToSign(method: method, path: path, timestamp: timestamp, nonce: nonce, bodyDigestHex: Hex.encode(SHA256Digest.hash(body)))
        return Hex.encode(HMACSHA256.authenticationCode(key: Array(secret.utf8), message: Array(message.utf8)))
    }
}
