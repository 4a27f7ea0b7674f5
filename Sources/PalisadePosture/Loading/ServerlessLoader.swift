import Foundation

/// Builds the inventory of a Serverless Framework `serverless.yml`: variables resolved, provider
/// settings merged into each function the way the framework deploys them, and the CloudFormation
/// in `resources:` read like any template.
struct ServerlessLoader {
    let file: String
    let root: Node
    let context: TemplateContext

    init(file: String, raw: Node, environment: [String: String], options: [String: String]) {
        self.file = file
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        root = ServerlessVariables(root: raw, directory: directory, environment: environment, options: options).resolve(raw)
        context = TemplateContext(file: file, root: .mapping([]))
    }

    func load() throws(PostureError) -> Inventory {
        guard root.entries != nil else {
            throw PostureError(.invalidTemplate, file: file, line: root.line, "serverless.yml must be a mapping")
        }
        let provider = root["provider"]?.entries != nil ? root["provider"]! : Node.mapping([])
        var inventory = Inventory()
        for entry in root["functions"]?.entries ?? [] {
            inventory.functions.append(function(entry, provider: provider))
            if let url = functionURL(for: entry) { inventory.functionURLs.append(url) }
        }
        if let resources = cloudFormationResources() {
            inventory.append(try CloudFormationLoader(file: file, root: resources).load())
        }
        return inventory
    }

    /// `resources:` is one CloudFormation fragment or a list of them (often `${file(…)}` includes).
    private func cloudFormationResources() -> Node? {
        guard let section = root["resources"], !section.isNull else { return nil }
        let fragments = section.items ?? [section]
        var resources: [Node.Entry] = []
        for fragment in fragments {
            resources += fragment["Resources"]?.entries ?? []
        }
        return resources.isEmpty ? nil : .mapping([Node.Entry(key: "Resources", value: .mapping(resources, line: section.line))])
    }

    private func function(_ entry: Node.Entry, provider: Node) -> LambdaFunction {
        let definition = entry.value.entries != nil ? entry.value : Node.mapping([])
        var function = LambdaFunction(ref: ResourceRef(id: entry.key, file: file, line: entry.keyLine, endLine: entry.value.lastLine), key: entry.key)
        func setting(_ key: String, _ providerPath: [String]? = nil) -> Node? {
            definition[key] ?? providerPath.map { path in path.reduce(Optional(provider)) { $0?[$1] } } ?? nil
        }
        function.name = context.resolve(definition["name"])
        function.runtime = context.resolve(setting("runtime", ["runtime"]))
        function.runtimeLine = setting("runtime", ["runtime"])?.line
        function.environment = environment(provider["environment"], definition["environment"])
        function.kmsKey = context.resolve(definition["kmsKeyArn"] ?? definition["awsKmsKeyArn"] ?? provider["kmsKeyArn"]
            ?? root["service", "awsKmsKeyArn"])
        function.deadLetterTarget = context.resolve(definition["onError"])
        function.onFailureDestination = context.resolve(definition["destinations", "onFailure"])
        function.reservedConcurrency = context.resolve(definition["reservedConcurrency"])
        function.vpcConfigured = !(setting("vpc", ["vpc"])?.isNull ?? true)
        function.tracingMode = tracing(definition["tracing"] ?? provider["tracing", "lambda"])
        function.layers = (setting("layers", ["layers"])?.items ?? []).map { context.target($0).map(Known.value) ?? .unresolved }
        function.logRetention = context.resolve(setting("logRetentionInDays", ["logRetentionInDays"]))
        function.handler = context.resolve(definition["handler"])
        function.codeLocation = context.resolve(definition["package", "artifact"] ?? root["package", "artifact"])

        let ownStatements = definition["iamRoleStatements"]
        let providerStatements = [provider["iamRoleStatements"], provider["iam", "role", "statements"]]
        function.statements = ([ownStatements] + providerStatements).flatMap { PolicyDocumentReader.statements(inList: $0, context) ?? [] }
        function.managedPolicies = context.resolveList(provider["iamManagedPolicies"]) + context.resolveList(provider["iam", "role", "managedPolicies"])
        // The framework gives all functions one role unless a function names its own or, with the
        // per-function roles plugin, declares its own statements.
        if let role = context.target(definition["role"]) {
            function.role = role
        } else if ownStatements == nil {
            function.role = context.target(provider["iam", "role"]).flatMap { $0.isEmpty ? nil : $0 }
                ?? context.target(provider["role"]) ?? "IamRoleLambdaExecution"
        }

        let usagePlan = provider["apiGateway", "usagePlan"] != nil || provider["usagePlan"] != nil
        for event in definition["events"]?.items ?? [] {
            guard let (kind, settings) = event.entries?.first.map({ ($0.key, $0.value) }) else { continue }
            if let use = trigger(kind, settings, line: event.line, usagePlan: usagePlan) { function.triggers.append(use) }
        }
        if let url = definition["url"], context.resolve(url).text != "false" {
            function.triggers.append(TriggerUse(trigger: .functionURL, name: "url", line: url.line))
        }
        return function
    }

    /// The function URL a serverless.yml `url:` setting creates; without `authorizer: aws_iam` it is public.
    private func functionURL(for entry: Node.Entry) -> FunctionURLConfig? {
        guard let url = entry.value["url"], context.resolve(url).text != "false" else { return nil }
        let ref = ResourceRef(id: entry.key, file: file, line: url.line, endLine: url.lastLine)
        let authType = context.resolve(url["authorizer"]).text == "aws_iam" ? "AWS_IAM" : "NONE"
        var origins: [String] = []
        var methods: [String] = []
        if let cors = url["cors"] {
            if context.resolve(cors).text == "true" {
                origins = ["*"]
                methods = ["*"]
            } else {
                origins = context.resolveList(cors["allowedOrigins"])
                methods = context.resolveList(cors["allowedMethods"])
            }
        }
        return FunctionURLConfig(ref: ref, functionKey: entry.key, authType: .value(authType), allowOrigins: origins, allowMethods: methods)
    }

    private func environment(_ provider: Node?, _ own: Node?) -> [EnvironmentVariable]? {
        guard provider?.entries != nil || own?.entries != nil else { return nil }
        var merged: [Node.Entry] = provider?.entries ?? []
        for entry in own?.entries ?? [] {
            merged.removeAll { $0.key == entry.key }
            merged.append(entry)
        }
        return merged.map { EnvironmentVariable(name: $0.key, value: context.resolve($0.value), line: $0.value.line) }
    }

    private func tracing(_ node: Node?) -> Known {
        switch context.resolve(node) {
        case .value("true"): return .value("Active")
        case .value("false"): return .value("PassThrough")
        case let other: return other
        }
    }

    private func trigger(_ kind: String, _ settings: Node, line: Int, usagePlan: Bool) -> TriggerUse? {
        let trigger: Trigger
        switch kind {
        case "http", "websocket": trigger = .apiGatewayV1
        case "httpApi": trigger = .httpApiV2
        case "s3": trigger = .s3
        case "sns": trigger = .sns
        case "sqs": trigger = .sqs
        case "stream":
            let arn = context.resolve(settings["arn"] ?? settings).text ?? ""
            let type = context.resolve(settings["type"]).text
            trigger = type == "kinesis" || arn.contains(":kinesis:") ? .kinesis : .dynamodb
        case "kafka", "msk": trigger = .kafka
        case "activemq", "rabbitmq": trigger = .mq
        case "schedule", "eventBridge", "cloudwatchEvent": trigger = .eventBridge
        case "cloudwatchLog": trigger = .cloudWatchLogs
        case "cognitoUserPool": trigger = .cognito
        case "iot": trigger = .iot
        case "alexaSkill", "alexaSmartHome": trigger = .alexa
        case "alb": trigger = .alb
        default: trigger = .other
        }
        var use = TriggerUse(trigger: trigger, name: kind, line: line)
        if trigger == .apiGatewayV1 || trigger == .httpApiV2 {
            let isPrivate = context.resolve(settings["private"]).text == "true"
            use.authorized = settings["authorizer"] != nil || isPrivate
            use.throttled = usagePlan || isPrivate
        }
        return use
    }
}
