import Crypto
import Foundation
import PalisadeConsoleProtocol

/// Random credentials; tokens are stored only as their SHA-256, so a leaked database holds no usable token.
enum Secrets {
    static func random(prefix: String, bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + Hex.encode((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func newGroupKey() -> String { random(prefix: "pk_", bytes: 12) }
    static func newGroupSecret() -> String { random(prefix: "ps_", bytes: 32) }
    static func newToken() -> String { random(prefix: "pt_", bytes: 32) }
    static func newID() -> String { random(prefix: "", bytes: 8) }

    static func tokenHash(_ token: String) -> String { Hex.encode(SHA256.hash(data: Array(token.utf8))) }
}
