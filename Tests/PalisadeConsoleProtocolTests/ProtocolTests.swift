import Crypto
import PalisadeConsoleProtocol
import Testing

struct DigestTests {
    @Test func sha256MatchesKnownVectorsAndSwiftCrypto() {
        #expect(Hex.encode(SHA256Digest.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256Digest.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var generator = SystemRandomNumberGenerator()
        for length in [1, 55, 56, 63, 64, 65, 119, 128, 1000, 4097] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Hex.encode(SHA256Digest.hash(bytes)) == Hex.encode(SHA256.hash(data: bytes)), "length \(length)")
        }
    }

    @Test func hmacMatchesSwiftCryptoForShortAndLongKeys() {
        for key in ["k", "ps_" + String(repeating: "a", count: 64), String(repeating: "x", count: 200)] {
            let message = Array("POST\n/api/v1/ingest\n1700000000\nnonce\nabc".utf8)
            let ours = HMACSHA256.authenticationCode(key: Array(key.utf8), message: message)
            let theirs = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8)))
            #expect(Hex.encode(ours) == Hex.encode(theirs))
        }
    }

    @Test func signatureCoversEveryPart() {
        let base = RequestSigning.signature(secret: "s", method: "POST", path: "/p", timestamp: 1, nonce: "n", body: [1])
        #expect(base.count == 64)
        #expect(base != RequestSigning.signature(secret: "t", method: "POST", path: "/p", timestamp: 1, nonce: "n", body: [1]))
        #expect(base != RequestSigning.signature(secret: "s", method: "GET", path: "/p", timestamp: 1, nonce: "n", body: [1]))
        #expect(base != RequestSigning.signature(secret: "s", method: "POST", path: "/q", timestamp: 1, nonce: "n", body: [1]))
        #expect(base != RequestSigning.signature(secret: "s", method: "POST", path: "/p", timestamp: 2, nonce: "n", body: [1]))
        #expect(base != RequestSigning.signature(secret: "s", method: "POST", path: "/p", timestamp: 1, nonce: "m", body: [1]))
        #expect(base != RequestSigning.signature(secret: "s", method: "POST", path: "/p", timestamp: 1, nonce: "n", body: [2]))
    }
}

struct GzipTests {
    @Test func roundTripAndBounds() throws {
        let text = Array(String(repeating: #"{"category":"sqli","evidence":"' OR 1=1 --"}"#, count: 500).utf8)
        let compressed = Gzip.compress(text)
        #expect(compressed.count < text.count / 10)
        #expect(compressed.prefix(2) == [0x1f, 0x8b])
        #expect(try Gzip.decompress(compressed, limit: text.count) == text)
        #expect(throws: GzipError.tooLarge(limit: 100)) { try Gzip.decompress(compressed, limit: 100) }
        #expect(throws: GzipError.corrupt) { try Gzip.decompress(Array("not gzip".utf8), limit: 1000) }
        #expect(throws: GzipError.corrupt) { try Gzip.decompress(Array(compressed.dropLast(8)), limit: text.count) }
        #expect(try Gzip.decompress(Gzip.compress([]), limit: 10) == [])
    }
}

struct TimeTests {
    @Test func rfc3339RoundTrips() {
        #expect(RFC3339.format(millisecondsSinceEpoch: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(millisecondsSinceEpoch: 1_763_881_500_123) == "2025-11-23T07:05:00.123Z")
        #expect(RFC3339.parse("2025-11-23T07:05:00.123Z") == 1_763_881_500_123)
        #expect(RFC3339.parse("2025-11-23T07:05:00Z") == 1_763_881_500_000)
        #expect(RFC3339.parse("2025-11-23T08:05:00.5+01:00") == 1_763_881_500_500)
        #expect(RFC3339.parse("2024-02-29T00:00:00.123456789Z") == 1_709_164_800_123)
        for bad in ["", "2025-11-23", "2025-13-01T00:00:00Z", "2025-11-23T07:05:00", "2025-11-23T07:05:00Zjunk", "2025-11-23T07:05:00.Z"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }
}
