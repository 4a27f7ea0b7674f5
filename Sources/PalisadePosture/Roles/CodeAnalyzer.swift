import Foundation

/// What a piece of code names as the target of a call: a literal, an environment variable the
/// template fills in, or something only known at run time.
public enum TargetName: Sendable, Equatable, Hashable {
    case literal(String)
    case environment(String)
    case unknown
}

/// One AWS API call found in a function's code.
public struct APICall: Sendable, Equatable {
    public var service: String
    public var operation: String
    /// The parameter that names the target (`TableName`, `Bucket`, …) and its value.
    public var parameter: String?
    public var target: TargetName
    public var file: String
    public var line: Int
}

/// Finds AWS SDK calls in Python (boto3 clients and resources) and Node.js (aws-sdk v2, v3
/// `@aws-sdk/client-*` commands, DynamoDB document clients) by reading the source text.
public struct CodeAnalyzer {
    let models: ServiceModels

    public init(models: ServiceModels) {
        self.models = models
    }

    /// The parameters whose values name the resource a call acts on.
    static let targetParameters = ["TableName", "Bucket", "QueueUrl", "TopicArn", "FunctionName", "SecretId", "StateMachineArn", "StreamName", "Name"]

    public func calls(inDirectory directory: String) throws(PostureError) -> [APICall] {
        var calls: [APICall] = []
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: directory) else {
            throw PostureError(.unreadableFile, file: directory, "cannot list the directory")
        }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name == "node_modules" || name.hasPrefix(".") || name == "__pycache__" {
                walker.skipDescendants()
            } else if ["py", "js", "mjs", "cjs", "ts"].contains((name as NSString).pathExtension) {
                files.append((directory as NSString).appendingPathComponent(relative))
            }
        }
        for file in files.sorted() {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw PostureError(.unreadableFile, file: file, "cannot read the file as UTF-8 text")
            }
            calls += file.hasSuffix(".py") ? try python(text, file: file) : try javascript(text, file: file)
        }
        return calls
    }

    // MARK: Python

    func python(_ text: String, file: String) throws(PostureError) -> [APICall] {
        let source = SourceText(text)
        var constants: [String: String] = [:]
        for match in source.matches(#"(?m)^([A-Za-z_]\w*)\s*=\s*(.+?)\s*$"#) { constants[match[1]] = match[2] }
        let evaluate = { (expression: String) in Self.evaluatePython(expression, constants: constants) }

        var clients: [String: String] = [:]
        var resources: [String: (service: String, type: String, target: TargetName)] = [:]
        for match in source.matches(#"(\w+)\s*=\s*(?:[\w.()]*\.)?client\(\s*(?:service_name\s*=\s*)?['"]([\w-]+)['"]"#) { clients[match[1]] = match[2] }
        for match in source.matches(#"(\w+)\s*=\s*(?:[\w.()]*\.)?resource\(\s*(?:service_name\s*=\s*)?['"]([\w-]+)['"]"#) {
            resources[match[1]] = (match[2], "ServiceResource", .unknown)
        }
        for match in source.matches(#"(\w+)\s*=\s*(\w+)\.([A-Z]\w*)\(([^)]*)\)"#) {
            guard let parent = resources[match[2]] else { continue }
            let first = match[4].split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            resources[match[1]] = (parent.service, match[3], first.isEmpty ? parent.target : evaluate(first))
        }

        var calls: [APICall] = []
        for match in source.matchesWithOffsets(#"\b(\w+)\.(\w+)\("#) {
            let (variable, method, offset) = (match.groups[1], match.groups[2], match.offset)
            let arguments = source.arguments(after: offset)
            let line = source.line(at: offset)
            if let service = clients[variable] {
                let name = method == "get_paginator" || method == "get_waiter"
                    ? (arguments.firstMatch(#"['"](\w+)['"]"#).map { $0[1] } ?? method) : method
                guard let operation = try operation(service: service, method: name) else { continue }
                let (parameter, target) = Self.target(in: arguments, separator: "=", evaluate: evaluate)
                calls += operation.map { APICall(service: service, operation: $0, parameter: parameter, target: target, file: file, line: line) }
            } else if let resource = resources[variable] {
                let operations = try resourceOperations(service: resource.service, type: resource.type, method: method)
                let parameter = Self.resourceParameter[resource.type]
                let (argumentParameter, argumentTarget) = Self.target(in: arguments, separator: "=", evaluate: evaluate)
                let target = resource.target == .unknown ? argumentTarget : resource.target
                calls += operations.map {
                    APICall(service: resource.service, operation: $0, parameter: parameter ?? argumentParameter, target: target, file: file, line: line)
                }
            }
        }
        return calls
    }

    /// The identifier parameter each boto3 resource type is created from.
    static let resourceParameter = ["Table": "TableName", "Bucket": "Bucket", "Object": "Bucket", "Queue": "QueueUrl", "Topic": "TopicArn"]

    static func evaluatePython(_ expression: String, constants: [String: String], depth: Int = 0) -> TargetName {
        let text = expression.trimmingCharacters(in: .whitespaces)
        if let literal = text.firstMatch(#"^[rbu]?['"]([^'"{}]*)['"]$"#) { return .literal(literal[1]) }
        if let variable = text.firstMatch(#"os\.environ(?:\.get)?[\[(]\s*['"](\w+)['"]"#) ?? text.firstMatch(#"os\.getenv\(\s*['"](\w+)['"]"#) {
            return .environment(variable[1])
        }
        if depth < 8, let value = constants[text] { return evaluatePython(value, constants: constants, depth: depth + 1) }
        return .unknown
    }

    // MARK: JavaScript

    func javascript(_ text: String, file: String) throws(PostureError) -> [APICall] {
        let source = SourceText(text)
        var constants: [String: String] = [:]
        for match in source.matches(#"(?m)(?:const|let|var)\s+(\w+)\s*=\s*(.+?);?\s*$"#) { constants[match[1]] = match[2] }
        let evaluate = { (expression: String) in Self.evaluateJavaScript(expression, constants: constants) }

        // v3: names imported from @aws-sdk/client-* and @aws-sdk/lib-dynamodb.
        var importedFrom: [String: String] = [:]
        for match in source.matches(#"(?s)(?:import|const|let|var)\s*\{([^}]*)\}\s*(?:from|=\s*require\()\s*['"]@aws-sdk/((?:client|lib)-[\w-]+)['"]"#) {
            for name in match[1].split(separator: ",") {
                let imported = name.split(separator: " ").first.map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if !imported.isEmpty { importedFrom[imported] = match[2] }
            }
        }
        var clients: [String: String] = [:]
        var documentClients: Set<String> = []
        for match in source.matches(#"(?:const|let|var)\s+(\w+)\s*=\s*new\s+(?:AWS\.)?(\w+)(\.DocumentClient)?\("#) {
            if match[3] == ".DocumentClient" || match[2] == "DocumentClient" {
                documentClients.insert(match[1])
            } else if let package = importedFrom[match[2]], package.hasPrefix("client-"), let service = service(javascriptName: String(package.dropFirst(7))) {
                clients[match[1]] = service
            } else if let service = service(javascriptName: match[2]) {
                clients[match[1]] = service
            }
        }
        for match in source.matches(#"(?:const|let|var)\s+(\w+)\s*=\s*DynamoDBDocument(?:Client)?\.from\("#) { documentClients.insert(match[1]) }

        var calls: [APICall] = []
        for match in source.matchesWithOffsets(#"new\s+(\w+)Command\(|\b(\w+)\.(\w+)\("#) {
            let offset = match.offset
            let arguments = source.arguments(after: offset)
            let line = source.line(at: offset)
            let (parameter, target) = Self.target(in: arguments, separator: ":", evaluate: evaluate)
            var found: [(String, String)] = []
            if !match.groups[1].isEmpty {
                let command = match.groups[1]
                guard let package = importedFrom[command + "Command"] else { continue }
                if package == "lib-dynamodb" {
                    if let operation = Self.documentClientOperations[ServiceModels.fold(command)] { found = [("dynamodb", operation)] }
                } else if let service = service(javascriptName: String(package.dropFirst(7))) {
                    found = try operation(service: service, method: command)?.map { (service, $0) } ?? []
                }
            } else if documentClients.contains(match.groups[2]) {
                if let operation = Self.documentClientOperations[ServiceModels.fold(match.groups[3])] { found = [("dynamodb", operation)] }
            } else if let service = clients[match.groups[2]], match.groups[3] != "send" {
                found = try operation(service: service, method: match.groups[3])?.map { (service, $0) } ?? []
            }
            calls += found.map { APICall(service: $0.0, operation: $0.1, parameter: parameter, target: target, file: file, line: line) }
        }
        return calls
    }

    /// DynamoDB document client methods and their low-level operations.
    static let documentClientOperations = [
        "get": "GetItem", "put": "PutItem", "update": "UpdateItem", "delete": "DeleteItem", "query": "Query", "scan": "Scan",
        "batchget": "BatchGetItem", "batchwrite": "BatchWriteItem", "transactget": "TransactGetItems", "transactwrite": "TransactWriteItems",
    ]

    static func evaluateJavaScript(_ expression: String, constants: [String: String], depth: Int = 0) -> TargetName {
        let text = expression.trimmingCharacters(in: CharacterSet(charactersIn: " ;"))
        if let variable = text.firstMatch(#"process\.env(?:\.(\w+)|\[\s*['"](\w+)['"]\s*\])"#) {
            return .environment(variable[1].isEmpty ? variable[2] : variable[1])
        }
        if let literal = text.firstMatch(#"^['"`]([^'"`$]*)['"`]$"#) { return .literal(literal[1]) }
        if depth < 8, let value = constants[text] { return evaluateJavaScript(value, constants: constants, depth: depth + 1) }
        return .unknown
    }

    /// JavaScript SDK spellings whose botocore service has another name.
    static let javascriptAliases = ["sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs", "cloudwatchevents": "events", "iotdataplane": "iot-data"]

    func service(javascriptName: String) -> String? {
        let folded = ServiceModels.fold(javascriptName)
        if let alias = Self.javascriptAliases[folded] { return alias }
        return models.serviceNames.first { ServiceModels.fold($0) == folded }
    }

    // MARK: Operations

    /// SDK conveniences that are not API operations but perform these ones.
    static let transferMethods: [String: [String]] = [
        "uploadfile": ["PutObject"], "uploadfileobj": ["PutObject"], "downloadfile": ["GetObject"], "downloadfileobj": ["GetObject"],
        "copy": ["GetObject", "PutObject"],
    ]

    /// The operations a client method performs; `nil` when the method is not an API call.
    func operation(service: String, method: String) throws(PostureError) -> [String]? {
        if service == "s3", let operations = Self.transferMethods[ServiceModels.fold(method)] { return operations }
        guard let model = try models.model(service) else { return nil }
        return model.operation(named: method).map { [$0] }
    }

    /// A boto3 resource action (`table.put_item`, `obj.get`) through boto3's resource model.
    func resourceOperations(service: String, type: String, method: String) throws(PostureError) -> [String] {
        if service == "s3", let operations = Self.transferMethods[ServiceModels.fold(method)] { return operations }
        let boto3 = models.dataDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("boto3/data/\(service)")
        guard let version = ((try? FileManager.default.contentsOfDirectory(atPath: boto3.path)) ?? []).max(),
              let data = try? Data(contentsOf: boto3.appendingPathComponent("\(version)/resources-1.json")),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return try operation(service: service, method: method) ?? []
        }
        let definition = type == "ServiceResource" ? root["service"] as? [String: Any] : (root["resources"] as? [String: Any])?[type] as? [String: Any]
        let folded = ServiceModels.fold(method)
        if folded == "load" || folded == "reload", let load = definition?["load"] as? [String: Any],
           let operation = (load["request"] as? [String: Any])?["operation"] as? String {
            return [operation]
        }
        for (name, action) in definition?["actions"] as? [String: Any] ?? [:] where ServiceModels.fold(name) == folded {
            if let operation = ((action as? [String: Any])?["request"] as? [String: Any])?["operation"] as? String { return [operation] }
        }
        return try operation(service: service, method: method) ?? []
    }

    static func target(in arguments: String, separator: String, evaluate: (String) -> TargetName) -> (String?, TargetName) {
        for parameter in targetParameters {
            if let match = arguments.firstMatch(#"\b"# + parameter + #"['"]?\s*"# + separator + #"\s*([^,\n)}]+)"#) {
                return (parameter, evaluate(match[1]))
            }
        }
        return (nil, .unknown)
    }
}

/// Source text with the regular-expression helpers the analysers share.
struct SourceText {
    let text: String
    let ns: NSString

    init(_ text: String) {
        self.text = text
        ns = text as NSString
    }

    func matches(_ pattern: String) -> [[String]] {
        matchesWithOffsets(pattern).map(\.groups)
    }

    func matchesWithOffsets(_ pattern: String) -> [(groups: [String], offset: Int)] {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        return expression.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { match in
            ((0..<match.numberOfRanges).map { index in
                let range = match.range(at: index)
                return range.location == NSNotFound ? "" : ns.substring(with: range)
            }, match.range.location)
        }
    }

    /// The text of a call's argument list: from the first `(` after `offset` to its matching `)`.
    func arguments(after offset: Int) -> String {
        var depth = 0
        var start: Int?
        var index = offset
        while index < ns.length {
            let character = ns.character(at: index)
            if character == 40 { // (
                depth += 1
                if start == nil { start = index + 1 }
            } else if character == 41 { // )
                depth -= 1
                if depth == 0, let start { return ns.substring(with: NSRange(location: start, length: index - start)) }
            }
            index += 1
        }
        return start.map { ns.substring(from: $0) } ?? ""
    }

    func line(at offset: Int) -> Int {
        ns.substring(to: offset).reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}

extension String {
    /// The capture groups of the first match of `pattern`, or `nil`.
    func firstMatch(_ pattern: String) -> [String]? {
        SourceText(self).matches(pattern).first
    }
}
