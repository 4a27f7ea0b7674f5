import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PalisadeConsoleProtocol
import PalisadeStore

/// Checks an agent request's signature (docs/console-protocol.md) and returns the group it speaks for.
struct SignatureVerifier: Sendable {
    let store: any ConsoleStore
    let now: @Sendable () -> Int64

    /// Checks the signature and spends the nonce at once (requests that write nothing else).
    func verify(method: String, path: String, headers: HTTPFields, body: [UInt8]) async throws(ConsoleError) -> GroupRecord {
        let (group, nonce) = try await authenticate(method: method, path: path, headers: headers, body: body)
        let fresh: Bool
        do { fresh = try await store.rememberNonce(nonce.value, expiresMs: nonce.expiresMs, nowMs: nonce.nowMs) } catch { throw .storage(error) }
        guard fresh else { throw Self.replay }
        return group
    }

    /// Checks the signature and returns the group with the nonce still to be spent: an ingest spends it
    /// in the transaction that files its batch (``ConsoleStore/ingest(groupId:agent:events:counts:receivedMs:nonce:)``).
    func authenticate(method: String, path: String, headers: HTTPFields, body: [UInt8]) async throws(ConsoleError) -> (GroupRecord, NonceClaim) {
        guard let key = headers[Self.key], let timestampText = headers[Self.timestamp], let nonce = headers[Self.nonce],
              let signature = headers[Self.signature]
        else {
            throw ConsoleError(.unauthorized, .unsignedRequest, "agent requests must carry \(RequestSigning.keyHeader), \(RequestSigning.timestampHeader), \(RequestSigning.nonceHeader) and \(RequestSigning.signatureHeader)")
        }
        guard let timestamp = Int64(timestampText) else {
            throw ConsoleError(.unauthorized, .badTimestamp, "\(RequestSigning.timestampHeader) must be unix seconds")
        }
        guard (8...128).contains(nonce.utf8.count) else {
            throw ConsoleError(.unauthorized, .unsignedRequest, "\(RequestSigning.nonceHeader) must be 8 to 128 characters")
        }
        let nowSeconds = now() / 1000
        guard abs(nowSeconds - timestamp) <= RequestSigning.allowedSkewSeconds else {
            throw ConsoleError(.unauthorized, .expiredTimestamp, "the request timestamp is \(timestamp - nowSeconds) s from the console's clock (allowed ±\(RequestSigning.allowedSkewSeconds) s)")
        }
        let group: GroupRecord?
        do { group = try await store.group(key: key) } catch { throw .storage(error) }
        guard let group else { throw ConsoleError(.unauthorized, .unknownKey, "no group has the key \(key)") }

        let message = RequestSigning.stringToSign(
            method: method, path: path, timestamp: timestamp, nonce: nonce,
            bodyDigestHex: Hex.encode(SHA256.hash(data: body))
        )
        guard let given = Self.bytes(hex: signature) else {
            throw ConsoleError(.unauthorized, .badSignature, "\(RequestSigning.signatureHeader) must be 64 lowercase hex digits")
        }
        let secrets = [group.secret] + (group.previousSecret.map { [$0] } ?? [])
        let matches = secrets.contains { secret in
            HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Array(message.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        }
        guard matches else { throw ConsoleError(.unauthorized, .badSignature, "the signature does not match the request (method, path, timestamp, nonce or body differ, or the secret is wrong)") }

        // Only a correctly signed request may spend a nonce; the key scopes it so groups cannot collide.
        return (group, NonceClaim(value: key + ":" + nonce, expiresMs: (timestamp + RequestSigning.allowedSkewSeconds + 1) * 1000, nowMs: now()))
    }

    static let replay = ConsoleError(.unauthorized, .replayedNonce, "this nonce was already used: the request is a replay")

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static let key = HTTPField.Name(RequestSigning.keyHeader)!
    static let timestamp = HTTPField.Name(RequestSigning.timestampHeader)!
    static let nonce = HTTPField.Name(RequestSigning.nonceHeader)!
    static let signature = HTTPField.Name(RequestSigning.signatureHeader)!
}
