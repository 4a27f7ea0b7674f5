import Foundation

/// Reads a live account's Lambda functions and the roles, permissions, event sources, URLs, log
/// groups, API routes and S3 buckets around them into the same inventory templates produce, so the
/// same checks apply.
public struct AccountAuditor {
    public var client: AWSClient

    public init(client: AWSClient) {
        self.client = client
    }

    /// The inventory, and the optional reads that failed (reported, not fatal).
    public func inventory() throws(PostureError) -> (Inventory, warnings: [PostureError]) {
        var inventory = Inventory()
        var warnings: [PostureError] = []
        for configuration in try listFunctions() {
            guard let name = configuration["FunctionName"] as? String, let arn = configuration["FunctionArn"] as? String else { continue }
            var function = Self.function(from: configuration, region: client.region)
            do throws(PostureError) {
                try enrich(&function, name: name, arn: arn, into: &inventory)
            } catch {
                warnings.append(error)
            }
            inventory.functions.append(function)
        }
        for role in Set(inventory.functions.compactMap(\.role)).sorted() {
            do throws(PostureError) {
                inventory.policyHolders.append(try roleHolder(role))
            } catch {
                warnings.append(error)
            }
        }
        do throws(PostureError) {
            let routes = try apiRoutes()
            inventory.apiMethods += routes.map(\.method)
            Self.attach(routes, to: &inventory.functions)
        } catch {
            warnings.append(PostureError(error.code, file: error.file, "API Gateway unreadable, API route check incomplete: \(error.message)"))
        }
        do throws(PostureError) {
            inventory.buckets = try buckets(warnings: &warnings)
        } catch {
            warnings.append(PostureError(error.code, file: error.file, "S3 unreadable, public ACL check skipped: \(error.message)"))
        }
        do throws(PostureError) {
            let origins = try consoleCreations()
            for index in inventory.functions.indices {
                if let name = inventory.functions[index].name.text, let console = origins[name] {
                    inventory.functions[index].createdInConsole = console
                }
            }
        } catch {
            warnings.append(PostureError(error.code, file: error.file, "CloudTrail lookup unavailable, console-created check skipped: \(error.message)"))
        }
        return (inventory, warnings)
    }

    private func listFunctions() throws(PostureError) -> [[String: Any]] {
        var functions: [[String: Any]] = []
        var marker: String?
        repeat {
            let query = marker.map { [URLQueryItem(name: "Marker", value: $0)] } ?? []
            let page = try client.json(service: "lambda", path: "/2015-03-31/functions/", query: query) ?? [:]
            functions += page["Functions"] as? [[String: Any]] ?? []
            marker = (page["NextMarker"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while marker != nil
        return functions
    }

    /// The settings `GetFunctionConfiguration` reports directly.
    static func function(from configuration: [String: Any], region: String) -> LambdaFunction {
        let arn = configuration["FunctionArn"] as? String ?? ""
        let name = configuration["FunctionName"] as? String ?? arn
        var function = LambdaFunction(ref: ResourceRef(id: arn, file: "aws:\(region)", line: 1), key: arn)
        function.name = .value(name)
        function.runtime = (configuration["Runtime"] as? String).map(Known.value) ?? .absent
        if let variables = (configuration["Environment"] as? [String: Any])?["Variables"] as? [String: String] {
            function.environment = variables.sorted { $0.key < $1.key }.map { EnvironmentVariable(name: $0.key, value: .value($0.value), line: 1) }
        }
        function.kmsKey = (configuration["KMSKeyArn"] as? String).map(Known.value) ?? .absent
        function.deadLetterTarget = ((configuration["DeadLetterConfig"] as? [String: Any])?["TargetArn"] as? String).map(Known.value) ?? .absent
        function.vpcConfigured = !(((configuration["VpcConfig"] as? [String: Any])?["SubnetIds"] as? [String]) ?? []).isEmpty
        function.tracingMode = ((configuration["TracingConfig"] as? [String: Any])?["Mode"] as? String).map(Known.value) ?? .absent
        function.role = configuration["Role"] as? String
        function.layers = (configuration["Layers"] as? [[String: Any]] ?? []).compactMap { ($0["Arn"] as? String).map(Known.value) }
        function.handler = (configuration["Handler"] as? String).map(Known.value) ?? .absent
        return function
    }

    private func enrich(_ function: inout LambdaFunction, name: String, arn: String, into inventory: inout Inventory) throws(PostureError) {
        if let concurrency = try client.json(service: "lambda", path: "/2019-09-30/functions/\(name)/concurrency"),
           let reserved = concurrency["ReservedConcurrentExecutions"] as? Int {
            function.reservedConcurrency = .value(String(reserved))
        }
        if let config = try client.json(service: "lambda", path: "/2019-09-25/functions/\(name)/event-invoke-config"),
           let destination = ((config["DestinationConfig"] as? [String: Any])?["OnFailure"] as? [String: Any])?["Destination"] as? String {
            function.onFailureDestination = .value(destination)
        }
        if let policy = try client.json(service: "lambda", path: "/2015-03-31/functions/\(name)/policy"),
           let text = policy["Policy"] as? String,
           let document = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] {
            for (index, statement) in (document["Statement"] as? [[String: Any]] ?? []).enumerated() {
                let permission = Self.permission(statement, function: arn, index: index, region: client.region)
                inventory.permissions.append(permission)
                if let service = permission.principal.text, service.hasSuffix(".amazonaws.com") {
                    function.triggers.append(TriggerUse(trigger: Trigger(principal: service), name: permission.ref.id, line: 1))
                }
            }
        }
        let mappings = try client.json(service: "lambda", path: "/2015-03-31/event-source-mappings/", query: [URLQueryItem(name: "FunctionName", value: name)])
        for mapping in mappings?["EventSourceMappings"] as? [[String: Any]] ?? [] {
            if let source = mapping["EventSourceArn"] as? String {
                function.triggers.append(TriggerUse(trigger: Trigger(eventSourceArn: source), name: source, line: 1))
            }
        }
        if let url = try client.json(service: "lambda", path: "/2021-10-31/functions/\(name)/url") {
            let cors = url["Cors"] as? [String: Any]
            inventory.functionURLs.append(FunctionURLConfig(
                ref: ResourceRef(id: "\(arn)#url", file: function.ref.file, line: 1), functionKey: arn,
                authType: (url["AuthType"] as? String).map(Known.value) ?? .absent,
                allowOrigins: cors?["AllowOrigins"] as? [String] ?? [], allowMethods: cors?["AllowMethods"] as? [String] ?? []))
            function.triggers.append(TriggerUse(trigger: .functionURL, name: "url", line: 1))
        }
        let groups = try client.target(service: "logs", target: "Logs_20140328.DescribeLogGroups", ["logGroupNamePrefix": "/aws/lambda/\(name)"])
        if let group = (groups["logGroups"] as? [[String: Any]] ?? []).first(where: { $0["logGroupName"] as? String == "/aws/lambda/\(name)" }),
           let days = group["retentionInDays"] as? Int {
            function.logRetention = .value(String(days))
        }
    }

    /// One statement of a function's resource policy, with its source conditions.
    static func permission(_ statement: [String: Any], function: String, index: Int, region: String) -> InvokePermission {
        let principal: Known
        switch statement["Principal"] {
        case let text as String: principal = .value(text)
        case let map as [String: Any]: principal = ((map["Service"] ?? map["AWS"]) as? String).map(Known.value) ?? .unresolved
        default: principal = .absent
        }
        let conditions = (statement["Condition"] as? [String: Any] ?? [:]).values.compactMap { $0 as? [String: Any] }
        func condition(_ key: String) -> Known {
            for block in conditions {
                if let value = block.first(where: { $0.key.caseInsensitiveCompare(key) == .orderedSame })?.value {
                    return .value(value as? String ?? "\(value)")
                }
            }
            return .absent
        }
        let sid = statement["Sid"] as? String ?? String(index)
        return InvokePermission(ref: ResourceRef(id: "\(function)#permission/\(sid)", file: "aws:\(region)", line: 1), principal: principal,
                                sourceArn: condition("AWS:SourceArn"), sourceAccount: condition("AWS:SourceAccount"), functionKey: function)
    }

    private func roleHolder(_ arn: String) throws(PostureError) -> PolicyHolder {
        let name = String(arn.split(separator: "/").last ?? "")
        var statements: [PolicyStatement] = []
        for policy in try client.iam("ListRolePolicies", ["RoleName": name])["member"] {
            let document = try client.iam("GetRolePolicy", ["RoleName": name, "PolicyName": policy])["PolicyDocument"].first ?? ""
            statements += Self.statements(fromDocument: document.removingPercentEncoding ?? document)
        }
        let attached = try client.iam("ListAttachedRolePolicies", ["RoleName": name])["PolicyArn"]
        for policy in attached where !policy.hasPrefix("arn:aws:iam::aws:policy/") {
            guard let version = try client.iam("GetPolicy", ["PolicyArn": policy])["DefaultVersionId"].first else { continue }
            let document = try client.iam("GetPolicyVersion", ["PolicyArn": policy, "VersionId": version])["Document"].first ?? ""
            statements += Self.statements(fromDocument: document.removingPercentEncoding ?? document)
        }
        var holder = PolicyHolder(ref: ResourceRef(id: arn, file: "aws:global", line: 1), key: arn, statements: statements)
        holder.managedPolicies = attached
        return holder
    }

    static func statements(fromDocument text: String) -> [PolicyStatement] {
        guard let document = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return [] }
        let raw: [[String: Any]] = (document["Statement"] as? [[String: Any]]) ?? ((document["Statement"] as? [String: Any]).map { [$0] } ?? [])
        func list(_ value: Any?) -> [String] { (value as? [String]) ?? ((value as? String).map { [$0] } ?? []) }
        return raw.map { PolicyStatement(effect: $0["Effect"] as? String ?? "", actions: list($0["Action"]), resources: list($0["Resource"]), line: 1) }
    }

    /// Function name → created from the web console, from CloudTrail's `CreateFunction` events.
    private func consoleCreations() throws(PostureError) -> [String: Bool] {
        var origins: [String: Bool] = [:]
        var token: String?
        repeat {
            var payload: [String: Any] = ["LookupAttributes": [["AttributeKey": "EventName", "AttributeValue": "CreateFunction20150331"]]]
            if let token { payload["NextToken"] = token }
            let page = try client.target(service: "cloudtrail", target: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", payload)
            for event in page["Events"] as? [[String: Any]] ?? [] {
                if let (name, console) = Self.creation(fromCloudTrailEvent: event["CloudTrailEvent"] as? String ?? "") { origins[name] = console }
            }
            token = page["NextToken"] as? String
        } while token != nil
        return origins
    }

    /// The function a `CreateFunction` record made and whether the web console made it.
    static func creation(fromCloudTrailEvent text: String) -> (String, Bool)? {
        guard let record = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let name = (record["requestParameters"] as? [String: Any])?["functionName"] as? String else { return nil }
        let agent = (record["userAgent"] as? String ?? "").lowercased()
        return (name, agent.contains("console.amazonaws.com") || agent.contains("signin.amazonaws.com"))
    }
}
