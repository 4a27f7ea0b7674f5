import PalisadeJSON

/// One problem in a policy document, with the JSON path where it is.
public struct PolicyIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJSON = "policy.invalid_json"
        case wrongType = "policy.wrong_type"
        case unknownKey = "policy.unknown_key"
        case missingKey = "policy.missing_key"
        case unknownMode = "policy.unknown_mode"
        case unknownProtection = "policy.unknown_protection"
        case unsupportedVersion = "policy.unsupported_version"
        case emptyPattern = "policy.empty_pattern"
        case invalidRegex = "policy.invalid_regex"
        case invalidCIDR = "policy.invalid_cidr"
        case invalidPort = "policy.invalid_port"
    }

    public let code: Code
    /// Where in the document, e.g. `functions[1].protections.sqlx`.
    public let path: String
    public let message: String

    public var description: String { "\(code.rawValue) at \(path): \(message)" }
}

/// Why a policy was rejected: every issue found, not just the first.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    public let issues: [PolicyIssue]
    public var description: String { issues.map(\.description).joined(separator: "; ") }
}

extension Policy {
    /// Reads and checks a policy document (schema in docs/agent.md); collects every issue.
    public init(json bytes: [UInt8]) throws(PolicyError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: bytes)
        } catch {
            throw PolicyError(issues: [PolicyIssue(code: .invalidJSON, path: "$", message: error.description)])
        }
        var reader = PolicyReader()
        let policy = reader.policy(document.root)
        guard reader.issues.isEmpty else { throw PolicyError(issues: reader.issues) }
        self = policy
    }
}

/// Walks a policy document, keeping what is valid and noting what is not.
struct PolicyReader {
    var issues: [PolicyIssue] = []

    static let settingKeys: Set<String> = ["mode", "protections", "exceptions", "secrets", "tmpCleanup", "behaviour"]

    mutating func policy(_ root: JSONValue) -> Policy {
        guard expect(root, .object, at: "$") else { return Policy() }
        var functions: [FunctionRule] = []
        for (key, value) in root.members {
            let name = key.string ?? ""
            switch name {
            case "version":
                if value.kind != .number || value.string != nil || String(decoding: value.stringBytes, as: UTF8.self) != String(Policy.currentVersion) {
                    note(.unsupportedVersion, "version", "only version \(Policy.currentVersion) is known")
                }
            case "functions":
                functions = elements(value, at: "functions") { $0.functionRule($1, at: $2) } ?? []
            case _ where Self.settingKeys.contains(name): break
            default: note(.unknownKey, name, "not a policy key (known: version, functions, \(Self.settingKeys.sorted().joined(separator: ", ")))")
            }
        }
        return Policy(base: settings(root, at: ""), functions: functions)
    }

    mutating func functionRule(_ value: JSONValue, at path: String) -> FunctionRule? {
        guard expect(value, .object, at: path) else { return nil }
        for (key, _) in value.members {
            let name = key.string ?? ""
            if name != "name" && !Self.settingKeys.contains(name) {
                note(.unknownKey, "\(path).\(name)", "not a function rule key (known: name, \(Self.settingKeys.sorted().joined(separator: ", ")))")
            }
        }
        let settings = settings(value, at: path + ".")
        guard let name = value["name"] else {
            note(.missingKey, "\(path).name", "a function rule needs a name pattern, e.g. \"orders-*\"")
            return nil
        }
        guard let pattern = pattern(name, at: "\(path).name") else { return nil }
        return FunctionRule(name: pattern, settings: settings)
    }

    /// The keys shared by the top level and function rules; `prefix` is "" or "functions[i].".
    mutating func settings(_ object: JSONValue, at prefix: String) -> PolicySettings {
        var settings = PolicySettings()
        if let value = object["mode"] { settings.mode = mode(value, at: prefix + "mode") }
        if let value = object["protections"], expect(value, .object, at: prefix + "protections") {
            for (key, modeValue) in value.members {
                let name = key.string ?? ""
                let path = "\(prefix)protections.\(name)"
                guard let protection = Protection(name: name) else {
                    note(.unknownProtection, path, "known protections: \(Protection.all.map(\.name).joined(separator: ", "))")
                    continue
                }
                if let mode = mode(modeValue, at: path) { settings.protections[protection] = mode }
            }
        }
        if let value = object["exceptions"] {
            settings.exceptions = elements(value, at: prefix + "exceptions") { $0.exception($1, at: $2) } ?? []
        }
        if let value = object["secrets"] {
            settings.secrets = strings(value, at: prefix + "secrets")
        }
        if let value = object["tmpCleanup"] {
            settings.tmpCleanup = tmpCleanup(value, at: prefix + "tmpCleanup")
        }
        if let value = object["behaviour"] {
            settings.behaviour = behaviour(value, at: prefix + "behaviour")
        }
        return settings
    }

    mutating func exception(_ value: JSONValue, at path: String) -> PolicyException? {
        guard expect(value, .object, at: path) else { return nil }
        var exception = PolicyException(location: Glob("*"))
        var hasLocation = false
        for (key, member) in value.members {
            let name = key.string ?? ""
            switch name {
            case "location":
                guard let location = pattern(member, at: "\(path).location") else { continue }
                exception.location = location
                hasLocation = true
            case "pattern":
                exception.pattern = pattern(member, at: "\(path).pattern")
            case "protections":
                for name in strings(member, at: "\(path).protections") {
                    guard let protection = Protection(name: name) else {
                        note(.unknownProtection, "\(path).protections", "\"\(name)\" is not a protection")
                        continue
                    }
                    exception.protections.insert(protection)
                }
            default: note(.unknownKey, "\(path).\(name)", "not an exception key (known: location, pattern, protections)")
            }
        }
        guard hasLocation else {
            note(.missingKey, "\(path).location", "an exception needs the location it applies to, e.g. \"queryStringParameters.q\"")
            return nil
        }
        return exception
    }

    mutating func tmpCleanup(_ value: JSONValue, at path: String) -> TmpCleanup? {
        guard expect(value, .object, at: path) else { return nil }
        var cleanup = TmpCleanup(enabled: true)
        for (key, member) in value.members {
            let name = key.string ?? ""
            switch name {
            case "enabled":
                guard member.kind == .true || member.kind == .false else {
                    note(.wrongType, "\(path).enabled", "expected true or false")
                    continue
                }
                cleanup.enabled = member.isTrue
            case "keep":
                cleanup.keep = strings(member, at: "\(path).keep").map(Glob.init)
            default: note(.unknownKey, "\(path).\(name)", "not a tmpCleanup key (known: enabled, keep)")
            }
        }
        return cleanup
    }

    mutating func mode(_ value: JSONValue, at path: String) -> Mode? {
        guard expect(value, .string, at: path) else { return nil }
        guard let mode = Mode(rawValue: value.string ?? "") else {
            note(.unknownMode, path, "expected off, report or mitigate")
            return nil
        }
        return mode
    }

    mutating func pattern(_ value: JSONValue, at path: String) -> Glob? {
        guard expect(value, .string, at: path) else { return nil }
        let text = value.string ?? ""
        guard !text.isEmpty else {
            note(.emptyPattern, path, "an empty pattern matches nothing; use \"*\" for everything")
            return nil
        }
        return Glob(text)
    }

    mutating func strings(_ value: JSONValue, at path: String) -> [String] {
        elements(value, at: path) { reader, element, elementPath in
            reader.expect(element, .string, at: elementPath) ? element.string ?? "" : nil
        } ?? []
    }

    /// Reads each element of an array with `read`, which notes its own problems and returns nil to
    /// leave an element out; nil when `value` is not an array.
    mutating func elements<Element>(
        _ value: JSONValue, at path: String,
        _ read: (inout PolicyReader, JSONValue, String) -> Element?
    ) -> [Element]? {
        guard expect(value, .array, at: path) else { return nil }
        var result: [Element] = []
        for (index, element) in value.elements.enumerated() {
            if let item = read(&self, element, "\(path)[\(index)]") { result.append(item) }
        }
        return result
    }

    mutating func expect(_ value: JSONValue, _ kind: JSONKind, at path: String) -> Bool {
        guard value.kind == kind else {
            note(.wrongType, path, "expected \(kind), found \(value.kind)")
            return false
        }
        return true
    }

    mutating func note(_ code: PolicyIssue.Code, _ path: String, _ message: String) {
        issues.append(PolicyIssue(code: code, path: path, message: message))
    }
}
