import Foundation

/// Environment variables are readable by anyone who can read the function's configuration and end up
/// in logs and crash dumps, so credentials there leak; they belong in Secrets Manager or SSM.
struct EnvironmentSecretsCheck: PostureCheck {
    let id = "PAL-FN-003"
    let title = "Secret in a function's environment variables"
    let severity = Severity.critical
    let equivalents = ["CKV_AWS_45", "CKV_AWS_41"]
    let remediation = "Store the value in Secrets Manager or SSM Parameter Store and read it at start-up; rotate the exposed secret."

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.map { function in
            for variable in function.environment ?? [] {
                guard let value = variable.value.text, let reason = Self.secretReason(name: variable.name, value: value) else { continue }
                return CheckResult(ref: function.ref, line: variable.line, passed: false, message: "`\(variable.name)` holds \(reason)")
            }
            return CheckResult(ref: function.ref, passed: true, message: "no secrets in the environment")
        }
    }

    /// Why a value looks like a secret, or `nil`.
    static func secretReason(name: String, value: String) -> String? {
        if containsAccessKeyID(value) {
            return "an AWS access key id"
        }
        if isReference(value) { return nil }
        let upper = name.uppercased()
        if upper.contains("SECRET_ACCESS_KEY") || upper.contains("SECRET_KEY"), isSecretAccessKey(value) {
            return "an AWS secret access key"
        }
        if looksLikeSecretName(upper), value.count >= 8, !value.contains(" ") {
            return "a literal value under a secret-like name"
        }
        if value.count >= 20, !value.contains(" "), entropy(value) >= 4.5 {
            return "a high-entropy value"
        }
        return nil
    }

    /// An access key id (`AKIA`, `ASIA` … and 16 upper-case letters or digits) not run into other such
    /// characters. Matched on bytes rather than with a regular expression: this runs on every variable
    /// of every function, and Foundation's regular expressions load ICU.
    static func containsAccessKeyID(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 20 else { return false }
        for start in 0...(bytes.count - 20) where start == 0 || !isKeyCharacter(bytes[start - 1]) {
            let end = start + 20
            guard end == bytes.count || !isKeyCharacter(bytes[end]),
                  accessKeyPrefixes.contains(where: { bytes[start..<start + 4].elementsEqual($0) }),
                  bytes[start + 4..<end].allSatisfy(isKeyCharacter) else { continue }
            return true
        }
        return false
    }

    private static let accessKeyPrefixes = ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"].map { Array($0.utf8) }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Exactly 40 characters of base64 (`A-Z a-z 0-9 / + =`), the shape of a secret access key.
    static func isSecretAccessKey(_ value: String) -> Bool {
        value.utf8.count == 40 && value.utf8.allSatisfy { byte in
            isKeyCharacter(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "=")
        }
    }

    /// Names that say "secret" but hold a pointer to one (`…_SECRET_NAME`, `…_ARN`) are fine.
    private static func looksLikeSecretName(_ name: String) -> Bool {
        let words = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "AUTH_KEY"]
        let pointers = ["_NAME", "_ARN", "_ID", "_PATH", "_URL", "_URI", "_PARAM", "_PARAMETER", "_FILE", "_TTL", "_EXPIRY"]
        return words.contains { name.contains($0) } && !pointers.contains { name.hasSuffix($0) }
    }

    /// Values that point at where a secret is kept, or that are machine metadata, not secrets.
    private static func isReference(_ value: String) -> Bool {
        ["arn:", "{{resolve:", "ssm:", "secretsmanager:", "http://", "https://", "/", "git."].contains { value.hasPrefix($0) }
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ value: String) -> Double {
        var counts: [Character: Int] = [:]
        for character in value { counts[character, default: 0] += 1 }
        let length = Double(value.count)
        return counts.values.reduce(0) { total, count in
            let p = Double(count) / length
            return total - p * log2(p)
        }
    }
}
