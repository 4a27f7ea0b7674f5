import Foundation

/// AWS credentials found the way the AWS CLI finds them: the environment, then the shared
/// credentials file's profile (`AWS_PROFILE`, else `default`).
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public static func resolve(environment: [String: String], home: URL) throws(PostureError) -> AWSCredentials {
        if let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] {
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
        }
        let profile = environment["AWS_PROFILE"] ?? "default"
        let file = environment["AWS_SHARED_CREDENTIALS_FILE"].map { URL(fileURLWithPath: $0) } ?? home.appendingPathComponent(".aws/credentials")
        if let text = try? String(contentsOf: file, encoding: .utf8), let section = iniSections(text)[profile],
           let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"])
        }
        throw PostureError(.awsRequest, "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or profile `\(profile)` in \(file.path)")
    }

    /// The region: the given one, else `AWS_REGION`, `AWS_DEFAULT_REGION`, the config file's profile.
    public static func region(_ given: String?, environment: [String: String], home: URL) -> String? {
        if let given { return given }
        if let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] { return region }
        let profile = environment["AWS_PROFILE"] ?? "default"
        let file = environment["AWS_CONFIG_FILE"].map { URL(fileURLWithPath: $0) } ?? home.appendingPathComponent(".aws/config")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        let sections = iniSections(text)
        return (sections[profile == "default" ? "default" : "profile \(profile)"] ?? sections[profile])?["region"]
    }

    static func iniSections(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            sections[current, default: [:]][key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return sections
    }
}
