/// Builds the inventory of a CloudFormation or SAM template: functions with SAM `Globals` applied,
/// IAM policies, permissions, URLs, buckets and API methods, then the links between them (which
/// permission, event source or log group belongs to which function).
struct CloudFormationLoader {
    let context: TemplateContext
    let root: Node
    /// Functions declared elsewhere (serverless.yml `functions:`) that `resources:` may point at.
    var externalFunctions: [LambdaFunction] = []

    init(file: String, root: Node) {
        self.root = root
        context = TemplateContext(file: file, root: root)
    }

    func load() throws(PostureError) -> Inventory {
        let resources = root["Resources"]
        guard resources == nil || resources?.entries != nil || resources?.isNull == true else {
            throw PostureError(.invalidTemplate, file: context.file, line: resources?.line, "`Resources` must be a mapping")
        }
        var inventory = Inventory()
        var links = Links()
        let globals = root["Globals"]
        // Routes without `RestApiId` live on the implicit APIs SAM creates, which take Globals only.
        links.apiAuth["ServerlessRestApi"] = apiProtection(globals?["Api"])
        links.apiAuth["ServerlessHttpApi"] = apiProtection(globals?["HttpApi"])
        for entry in resources?.entries ?? [] {
            guard let type = entry.value["Type"]?.string else {
                throw PostureError(.invalidTemplate, file: context.file, line: entry.keyLine, "resource `\(entry.key)` has no `Type`")
            }
            let properties = SAMGlobals.apply(globals, type: type, to: entry.value["Properties"]) ?? .null
            let ref = context.ref(entry.key, type: type, entry: entry)
            read(type: type, logicalID: entry.key, ref: ref, properties: properties, into: &inventory, links: &links)
        }
        link(&inventory, links)
        return inventory
    }

    /// Facts about functions found on other resources, applied once every function is known.
    private struct Links {
        var triggers: [(function: String, use: TriggerUse)] = []
        var onFailure: [(function: String, destination: Known)] = []
        var logGroups: [(names: [String], retention: Known)] = []
        var layerNames: [String: String] = [:]
        var throttledAPIs: Set<String> = []
        var methodAPIs: [String: String] = [:]
        var apiAuth: [String: (authorized: Bool, throttled: Bool)] = [:]
    }

    private func read(type: String, logicalID: String, ref: ResourceRef, properties: Node, into inventory: inout Inventory, links: inout Links) {
        switch type {
        case "AWS::Lambda::Function":
            inventory.functions.append(lambdaFunction(logicalID, ref: ref, properties))
        case "AWS::Serverless::Function":
            let (function, url) = serverlessFunction(logicalID, ref: ref, properties)
            inventory.functions.append(function)
            if let url { inventory.functionURLs.append(url) }
        case "AWS::IAM::Role", "AWS::IAM::Group", "AWS::IAM::User":
            // Without inline or managed policies there is nothing to judge (permissions come from elsewhere).
            let declaresPolicies = properties["Policies"].map { $0.items?.isEmpty != true } ?? false
            guard declaresPolicies || properties["ManagedPolicyArns"] != nil else { return }
            var holder = PolicyHolder(ref: ref, key: logicalID, statements: PolicyDocumentReader.statements(inPolicies: properties["Policies"], context))
            holder.managedPolicies = context.resolveList(properties["ManagedPolicyArns"])
            inventory.policyHolders.append(holder)
        case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
            var holder = PolicyHolder(ref: ref, key: logicalID, statements: PolicyDocumentReader.statements(inDocument: properties["PolicyDocument"], context))
            holder.attachedRoles = (properties["Roles"]?.items ?? []).compactMap(context.target)
            inventory.policyHolders.append(holder)
        case "AWS::Lambda::Permission":
            let principal = context.resolve(properties["Principal"])
            let function = context.target(properties["FunctionName"])
            inventory.permissions.append(InvokePermission(
                ref: ref, principal: principal, sourceArn: context.resolve(properties["SourceArn"]),
                sourceAccount: context.resolve(properties["SourceAccount"]), functionKey: function))
            if let function, let service = principal.text, service.hasSuffix(".amazonaws.com") {
                links.triggers.append((function, TriggerUse(trigger: Trigger(principal: service), name: logicalID, line: ref.line)))
            }
        case "AWS::Lambda::Url":
            inventory.functionURLs.append(FunctionURLConfig(
                ref: ref, functionKey: context.target(properties["TargetFunctionArn"] ?? properties["FunctionName"]),
                authType: context.resolve(properties["AuthType"]),
                allowOrigins: context.resolveList(properties["Cors", "AllowOrigins"]),
                allowMethods: context.resolveList(properties["Cors", "AllowMethods"])))
        case "AWS::Lambda::EventSourceMapping":
            if let function = context.target(properties["FunctionName"]) {
                links.triggers.append((function, TriggerUse(trigger: eventSourceTrigger(properties["EventSourceArn"]), name: logicalID, line: ref.line)))
            }
        case "AWS::Lambda::EventInvokeConfig":
            if let function = context.target(properties["FunctionName"]) {
                links.onFailure.append((function, context.resolve(properties["DestinationConfig", "OnFailure", "Destination"]) == .absent
                    ? .absent : .value("OnFailure")))
            }
        case "AWS::SNS::Subscription":
            if context.resolve(properties["Protocol"]).text == "lambda", let function = context.target(properties["Endpoint"]) {
                links.triggers.append((function, TriggerUse(trigger: .sns, name: logicalID, line: ref.line)))
            }
        case "AWS::SNS::Topic":
            for subscription in properties["Subscription"]?.items ?? [] where context.resolve(subscription["Protocol"]).text == "lambda" {
                if let function = context.target(subscription["Endpoint"]) {
                    links.triggers.append((function, TriggerUse(trigger: .sns, name: logicalID, line: ref.line)))
                }
            }
        case "AWS::Events::Rule":
            for target in properties["Targets"]?.items ?? [] {
                if let function = context.target(target["Arn"]) {
                    links.triggers.append((function, TriggerUse(trigger: .eventBridge, name: logicalID, line: ref.line)))
                }
            }
        case "AWS::S3::Bucket":
            inventory.buckets.append(BucketACL(ref: ref, accessControl: context.resolve(properties["AccessControl"])))
            for configuration in properties["NotificationConfiguration", "LambdaConfigurations"]?.items ?? [] {
                if let function = context.target(configuration["Function"]) {
                    links.triggers.append((function, TriggerUse(trigger: .s3, name: logicalID, line: ref.line)))
                }
            }
        case "AWS::Logs::LogGroup":
            links.logGroups.append((logGroupFunctionNames(properties["LogGroupName"]), context.resolve(properties["RetentionInDays"])))
        case "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion":
            links.layerNames[logicalID] = context.resolve(properties["LayerName"]).text ?? logicalID
        case "AWS::ApiGateway::UsagePlan":
            for stage in properties["ApiStages"]?.items ?? [] {
                if let api = context.target(stage["ApiId"]) { links.throttledAPIs.insert(api) }
            }
        case "AWS::ApiGateway::Stage":
            if hasThrottling(properties["MethodSettings"]), let api = context.target(properties["RestApiId"]) {
                links.throttledAPIs.insert(api)
            }
        case "AWS::ApiGateway::Method":
            let authorization = context.resolve(properties["AuthorizationType"]).text ?? "NONE"
            let apiKey = context.resolve(properties["ApiKeyRequired"]).text == "true"
            let method = APIMethod(ref: ref, authorized: authorization.uppercased() != "NONE" || apiKey, throttled: false)
            if let api = context.target(properties["RestApiId"]) { links.methodAPIs[ref.id] = api }
            inventory.apiMethods.append(method)
            if let uri = properties["Integration", "Uri"], let function = context.target(uri) {
                var use = TriggerUse(trigger: .apiGatewayV1, name: logicalID, line: ref.line)
                use.authorized = method.authorized
                links.triggers.append((function, use))
            }
        case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
            links.apiAuth[logicalID] = apiProtection(properties)
        default:
            break
        }
    }

    private func link(_ inventory: inout Inventory, _ links: Links) {
        var index: [String: Int] = [:]
        for (position, function) in inventory.functions.enumerated() {
            index[function.key] = position
            if let name = function.name.text { index[name] = index[name] ?? position }
        }
        for (key, use) in links.triggers {
            guard let position = index[key] ?? index[Self.functionName(fromArn: key)] else { continue }
            inventory.functions[position].triggers.append(use)
        }
        for (key, destination) in links.onFailure where destination != .absent {
            if let position = index[key] { inventory.functions[position].onFailureDestination = destination }
        }
        for group in links.logGroups {
            for name in group.names {
                if let position = index[name] { inventory.functions[position].logRetention = group.retention }
            }
        }
        for position in inventory.functions.indices {
            inventory.functions[position].layers = inventory.functions[position].layers.map { layer in
                guard case .value(let key) = layer, let name = links.layerNames[key] else { return layer }
                return .value(name)
            }
            for index in inventory.functions[position].triggers.indices {
                var use = inventory.functions[position].triggers[index]
                guard let apiID = use.api, let api = links.apiAuth[apiID] else { continue }
                use.authorized = use.authorized || (api.authorized && !use.optsOutOfDefaultAuthorizer)
                use.throttled = api.throttled
                inventory.functions[position].triggers[index] = use
            }
        }
        for position in inventory.apiMethods.indices {
            if let api = links.methodAPIs[inventory.apiMethods[position].ref.id] {
                inventory.apiMethods[position].throttled = links.throttledAPIs.contains(api)
            }
        }
    }

    // MARK: Functions

    private func lambdaFunction(_ logicalID: String, ref: ResourceRef, _ properties: Node) -> LambdaFunction {
        var function = commonFunction(logicalID, ref: ref, properties)
        function.deadLetterTarget = context.resolve(properties["DeadLetterConfig", "TargetArn"])
        function.tracingMode = context.resolve(properties["TracingConfig", "Mode"])
        function.codeLocation = properties["Code", "ZipFile"] != nil ? .value("inline") : context.resolve(properties["Code", "S3Key"])
        return function
    }

    private func serverlessFunction(_ logicalID: String, ref: ResourceRef, _ properties: Node) -> (LambdaFunction, FunctionURLConfig?) {
        var function = commonFunction(logicalID, ref: ref, properties)
        function.deadLetterTarget = context.resolve(properties["DeadLetterQueue", "TargetArn"])
        function.onFailureDestination = context.resolve(properties["EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination"])
        if function.onFailureDestination == .absent, properties["EventInvokeConfig", "DestinationConfig", "OnFailure", "Type"] != nil {
            function.onFailureDestination = .unresolved
        }
        function.tracingMode = context.resolve(properties["Tracing"])
        function.codeLocation = properties["InlineCode"] != nil ? .value("inline") : context.resolve(properties["CodeUri"])
        if function.role == nil {
            // SAM generates a role for this function alone from its `Policies`, always with the basic
            // execution policy for logging.
            function.managedPolicies = [RoleDiff.basicExecutionRole]
            var statements: [PolicyStatement] = []
            for policy in properties["Policies"]?.scalarList ?? [] {
                if let name = context.resolve(policy).text { function.managedPolicies.append(name) }
            }
            for policy in properties["Policies"]?.items ?? [properties["Policies"]].compactMap({ $0 }) where policy["Statement"] != nil {
                statements += PolicyDocumentReader.statements(inDocument: policy, context) ?? []
            }
            function.statements = statements
        }
        for event in properties["Events"]?.entries ?? [] {
            if let use = samEvent(event) { function.triggers.append(use) }
        }
        var url: FunctionURLConfig?
        if let config = properties["FunctionUrlConfig"], !config.isNull {
            url = FunctionURLConfig(
                ref: ref, functionKey: logicalID, authType: context.resolve(config["AuthType"]),
                allowOrigins: context.resolveList(config["Cors", "AllowOrigins"]),
                allowMethods: context.resolveList(config["Cors", "AllowMethods"]))
            function.triggers.append(TriggerUse(trigger: .functionURL, name: "FunctionUrlConfig", line: config.line))
        }
        return (function, url)
    }

    /// The properties `AWS::Lambda::Function` and `AWS::Serverless::Function` spell the same way.
    private func commonFunction(_ logicalID: String, ref: ResourceRef, _ properties: Node) -> LambdaFunction {
        var function = LambdaFunction(ref: ref, key: logicalID)
        function.name = context.resolve(properties["FunctionName"])
        function.runtime = context.resolve(properties["Runtime"])
        function.runtimeLine = properties["Runtime"]?.line
        if let variables = properties["Environment", "Variables"]?.entries {
            function.environment = variables.map { variable in
                EnvironmentVariable(name: variable.key, value: context.resolve(variable.value), line: variable.value.line,
                                    reference: variable.value.intrinsic == nil ? nil : context.target(variable.value))
            }
        } else if properties["Environment", "Variables"] != nil {
            function.environment = []
        }
        function.kmsKey = context.resolve(properties["KmsKeyArn"])
        function.reservedConcurrency = context.resolve(properties["ReservedConcurrentExecutions"])
        if let vpc = properties["VpcConfig"], !vpc.isNull { function.vpcConfigured = true }
        function.role = context.target(properties["Role"])
        function.layers = (properties["Layers"]?.items ?? []).map { layer in context.target(layer).map(Known.value) ?? .unresolved }
        function.handler = context.resolve(properties["Handler"])
        if let group = properties["LoggingConfig", "LogGroup"], let target = context.target(group), context.resourceTypes[target] == nil {
            function.logRetention = .unresolved
        }
        return function
    }

    private func samEvent(_ event: Node.Entry) -> TriggerUse? {
        guard let type = event.value["Type"]?.string else { return nil }
        let properties = event.value["Properties"]
        let trigger: Trigger
        switch type {
        case "Api": trigger = .apiGatewayV1
        case "HttpApi": trigger = .httpApiV2
        case "S3": trigger = .s3
        case "SNS": trigger = .sns
        case "SQS": trigger = .sqs
        case "Kinesis": trigger = .kinesis
        case "DynamoDB": trigger = .dynamodb
        case "MSK", "SelfManagedKafka": trigger = .kafka
        case "MQ": trigger = .mq
        case "Schedule", "ScheduleV2", "CloudWatchEvent", "EventBridgeRule": trigger = .eventBridge
        case "CloudWatchLogs": trigger = .cloudWatchLogs
        case "Cognito": trigger = .cognito
        case "IoTRule": trigger = .iot
        case "AlexaSkill": trigger = .alexa
        default: trigger = .other
        }
        var use = TriggerUse(trigger: trigger, name: event.key, line: event.keyLine)
        if trigger == .apiGatewayV1 || trigger == .httpApiV2 {
            let authorizer = context.resolve(properties?["Auth", "Authorizer"]).text
            use.authorized = (authorizer != nil && authorizer != "NONE") || context.resolve(properties?["Auth", "ApiKeyRequired"]).text == "true"
            use.optsOutOfDefaultAuthorizer = authorizer == "NONE"
            use.api = context.target(properties?["RestApiId"] ?? properties?["ApiId"])
                ?? (trigger == .apiGatewayV1 ? "ServerlessRestApi" : "ServerlessHttpApi")
        }
        return use
    }

    // MARK: Helpers

    private func eventSourceTrigger(_ node: Node?) -> Trigger {
        if let arn = context.resolve(node).text { return Trigger(eventSourceArn: arn) }
        guard let target = context.target(node), let type = context.resourceTypes[target] else { return .other }
        switch type {
        case "AWS::SQS::Queue": return .sqs
        case "AWS::Kinesis::Stream": return .kinesis
        case "AWS::DynamoDB::Table": return .dynamodb
        case "AWS::MSK::Cluster": return .kafka
        case "AWS::AmazonMQ::Broker": return .mq
        default: return .other
        }
    }

    /// The function keys a log group belongs to: `/aws/lambda/<name>` or `!Sub /aws/lambda/${Fn}`.
    private func logGroupFunctionNames(_ node: Node?) -> [String] {
        if let name = context.resolve(node).text, name.hasPrefix("/aws/lambda/") {
            return [String(name.dropFirst("/aws/lambda/".count))]
        }
        guard let node, let (name, argument) = node.intrinsic else { return [] }
        if name == "Fn::Sub" {
            return TemplateContext.substitutions(in: argument.string ?? argument.items?.first?.string ?? "")
        }
        if name == "Fn::Join", let parts = argument.items?.last?.items {
            return parts.compactMap { context.target($0) }
        }
        return []
    }

    /// Whether a SAM API has a default authorizer or API key, and a usage plan or throttling.
    private func apiProtection(_ properties: Node?) -> (authorized: Bool, throttled: Bool) {
        let auth = properties?["Auth"]
        let authorized = context.resolve(auth?["DefaultAuthorizer"]) != .absent || context.resolve(auth?["ApiKeyRequired"]).text == "true"
        let throttled = auth?["UsagePlan"] != nil || hasThrottling(properties?["MethodSettings"])
            || properties?["DefaultRouteSettings", "ThrottlingRateLimit"] != nil
        return (authorized, throttled)
    }

    private func hasThrottling(_ settings: Node?) -> Bool {
        (settings?.items ?? []).contains { $0["ThrottlingRateLimit"] != nil || $0["ThrottlingBurstLimit"] != nil }
    }

    static func functionName(fromArn arn: String) -> String {
        guard arn.hasPrefix("arn:"), let range = arn.range(of: ":function:") else { return arn }
        return String(arn[range.upperBound...].split(separator: ":").first ?? "")
    }
}
