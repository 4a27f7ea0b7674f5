import Foundation

/// How the generated policy compares with what the template grants the function today.
public struct RoleDiff: Sendable, Equatable {
    /// Actions the code calls that no granted statement allows.
    public var missing: [String]
    /// Granted action patterns that match nothing the code calls.
    public var unused: [String]
    /// Granted wildcards that cover what the code calls but far more besides.
    public var broader: [String]
    /// Managed policies and SAM policy templates, whose contents the template does not show.
    public var opaque: [String]

    public static let basicExecutionRole = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

    /// AWS managed policies whose actions are known and stable.
    static let knownManagedPolicies = ["AWSLambdaBasicExecutionRole": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]]

    static func compare(needed: [String], granted: [PolicyStatement], managed: [String]) -> RoleDiff {
        var opaque: [String] = []
        var expanded = granted.filter(\.allows).flatMap(\.actions)
        for policy in managed {
            let name = String(policy.split(separator: "/").last ?? "")
            if let actions = knownManagedPolicies[name] { expanded += actions } else { opaque.append(policy) }
        }
        let patterns = Array(Set(expanded)).sorted()
        let missing = needed.filter { action in !patterns.contains { glob($0, matches: action) } }
        let unused = patterns.filter { pattern in !needed.contains { glob(pattern, matches: $0) } }
        let broader = patterns.filter { $0.contains("*") && !unused.contains($0) }
        return RoleDiff(missing: missing, unused: unused, broader: broader, opaque: opaque)
    }

    public func render() -> String {
        var lines = missing.map { "+ \($0)    (called by the code, not granted)" }
        lines += unused.map { "- \($0)    (granted, never called)" }
        lines += broader.map { "~ \($0)    (granted wildcard; the code needs only the actions above)" }
        lines += opaque.map { "? \($0)    (managed policy or policy template, not expanded)" }
        return lines.isEmpty ? "the template grants exactly what the code calls\n" : lines.joined(separator: "\n") + "\n"
    }

    /// IAM's action matching: case-insensitive, `*` any run, `?` one character.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let pattern = Array(pattern.lowercased())
        let text = Array(text.lowercased())
        var memo: [[Bool?]] = Array(repeating: Array(repeating: nil, count: text.count + 1), count: pattern.count + 1)
        func match(_ p: Int, _ t: Int) -> Bool {
            if let known = memo[p][t] { return known }
            let result: Bool
            if p == pattern.count {
                result = t == text.count
            } else if pattern[p] == "*" {
                result = match(p + 1, t) || (t < text.count && match(p, t + 1))
            } else {
                result = t < text.count && (pattern[p] == "?" || pattern[p] == text[t]) && match(p + 1, t + 1)
            }
            memo[p][t] = result
            return result
        }
        return match(0, 0)
    }
}

/// `palisade roles`: reads a function's code and template, generates its least-privilege policy and
/// compares it with the role the template grants.
public struct RoleAnalysis {
    public var policy: GeneratedPolicy
    public var diff: RoleDiff?

    static let templateNames = ["template.yaml", "template.yml", "template.json", "serverless.yml", "serverless.yaml"]

    public static func run(codeDirectory: String, templatePath: String?, functionID: String?, models: ServiceModels) throws(PostureError) -> RoleAnalysis {
        let template = templatePath ?? findTemplate(near: codeDirectory)
        var root: Node?
        var inventory = Inventory()
        if let template {
            guard let text = try? String(contentsOfFile: template, encoding: .utf8) else {
                throw PostureError(.unreadableFile, file: template, "cannot read the template")
            }
            let scanner = Scanner(context: CheckContext(asOf: PostureInfo.today()), environment: ProcessInfo.processInfo.environment)
            inventory = try scanner.load(text: text, file: template) ?? Inventory()
            root = try YAMLReader.parse(text, file: template)
        }
        let function = try select(functionID, from: inventory.functions, codeDirectory: codeDirectory, template: template)
        let calls = try CodeAnalyzer(models: models).calls(inDirectory: codeDirectory)
        let policy = try PolicyGenerator(models: models).policy(for: function, calls: calls, template: root)
        guard template != nil else { return RoleAnalysis(policy: policy, diff: nil) }
        var granted = function.statements ?? []
        var managed = function.managedPolicies
        if let role = function.role {
            for holder in inventory.policyHolders where holder.key == role || holder.attachedRoles.contains(role) {
                granted += holder.statements ?? []
                managed += holder.managedPolicies
            }
        }
        return RoleAnalysis(policy: policy, diff: RoleDiff.compare(needed: policy.actions, granted: granted, managed: managed))
    }

    static func findTemplate(near directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        for _ in 0..<4 {
            for name in templateNames where FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) {
                return url.appendingPathComponent(name).path
            }
            url.deleteLastPathComponent()
        }
        return nil
    }

    private static func select(_ id: String?, from functions: [LambdaFunction], codeDirectory: String, template: String?) throws(PostureError) -> LambdaFunction {
        if let id {
            guard let function = functions.first(where: { $0.key == id || $0.ref.id == id || $0.name.text == id }) else {
                throw PostureError(.invalidArgument, file: template, "no function `\(id)`; the template has \(functions.map(\.key).joined(separator: ", "))")
            }
            return function
        }
        if functions.count == 1 { return functions[0] }
        if functions.isEmpty {
            return LambdaFunction(ref: ResourceRef(id: "Function", file: codeDirectory, line: 0), key: "Function")
        }
        let directory = URL(fileURLWithPath: codeDirectory).standardizedFileURL.path
        let base = URL(fileURLWithPath: template ?? codeDirectory).deletingLastPathComponent()
        if let match = functions.first(where: { function in
            function.codeLocation.text.map { base.appendingPathComponent($0).standardizedFileURL.path == directory } ?? false
        }) {
            return match
        }
        throw PostureError(.invalidArgument, file: template, "several functions; choose one with --function: \(functions.map(\.key).joined(separator: ", "))")
    }
}

/// The three ways `palisade roles` prints a policy.
public enum RoleFormat: String, Sendable, CaseIterable {
    case policy, cloudformation, sam

    public func render(_ policy: GeneratedPolicy, region: String?, account: String?) -> String {
        switch self {
        case .policy:
            let statements = policy.statements.map { statement -> [String: Any] in
                ["Effect": "Allow", "Action": statement.actions,
                 "Resource": Array(Set(statement.resources.map { $0.policyString(region: region, account: account) })).sorted()]
            }
            let document: [String: Any] = ["Version": "2012-10-17", "Statement": statements]
            let data = (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        case .cloudformation:
            var yaml = "FunctionRole:\n  Type: AWS::IAM::Role\n  Properties:\n    AssumeRolePolicyDocument:\n"
            yaml += "      Version: \"2012-10-17\"\n      Statement:\n        - Effect: Allow\n          Principal:\n            Service: lambda.amazonaws.com\n"
            yaml += "          Action: sts:AssumeRole\n    Policies:\n      - PolicyName: least-privilege\n        PolicyDocument:\n"
            return yaml + "          Version: \"2012-10-17\"\n" + Self.statementsYAML(policy, indent: 10)
        case .sam:
            return "Policies:\n  - Version: \"2012-10-17\"\n" + Self.statementsYAML(policy, indent: 4)
        }
    }

    private static func statementsYAML(_ policy: GeneratedPolicy, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var yaml = "\(pad)Statement:\n"
        for statement in policy.statements {
            yaml += "\(pad)  - Effect: Allow\n\(pad)    Action:\n"
            for action in statement.actions { yaml += "\(pad)      - \(action)\n" }
            yaml += "\(pad)    Resource:\n"
            for resource in Set(statement.resources).sorted() {
                let (text, needsSub) = resource.substitution
                yaml += "\(pad)      - \(needsSub ? "!Sub \"\(text)\"" : "\"\(text)\"")\n"
            }
        }
        return yaml
    }
}
