import Foundation

/// An ARN with the parts only the deployment knows left as placeholders, so one value renders as a
/// plain IAM document (`*` or the given account) or as a CloudFormation `!Sub`.
public struct ARNTemplate: Sendable, Hashable, Comparable {
    public enum Piece: Sendable, Hashable {
        case text(String)
        case partition, region, account
        /// A template resource: its physical name when the template sets one, else `${Logical}`.
        case resource(logicalID: String, attribute: String?, physicalName: String?)
    }

    public var pieces: [Piece]

    public static let any = ARNTemplate(pieces: [.text("*")])

    public func policyString(region: String?, account: String?) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): return text
            case .partition: return "aws"
            case .region: return region ?? "*"
            case .account: return account ?? "*"
            case .resource(_, _, let physicalName): return physicalName ?? "*"
            }
        }.joined()
    }

    /// The text of a CloudFormation `Fn::Sub`, and whether it needs one.
    public var substitution: (text: String, needsSub: Bool) {
        var needsSub = false
        let text = pieces.map { piece -> String in
            switch piece {
            case .text(let text): return text
            case .partition: needsSub = true; return "${AWS::Partition}"
            case .region: needsSub = true; return "${AWS::Region}"
            case .account: needsSub = true; return "${AWS::AccountId}"
            case .resource(let logicalID, let attribute, _):
                needsSub = true
                return "${\(logicalID)\(attribute.map { "." + $0 } ?? "")}"
            }
        }.joined()
        return (text, needsSub)
    }

    public static func < (lhs: ARNTemplate, rhs: ARNTemplate) -> Bool {
        lhs.substitution.text < rhs.substitution.text
    }
}

/// One statement of a generated policy.
public struct GeneratedStatement: Sendable, Equatable {
    public var actions: [String]
    public var resources: [ARNTemplate]
}

/// The least-privilege policy for one function: the actions its code calls on the resources it
/// names, plus writing to its own log group.
public struct GeneratedPolicy: Sendable {
    public var function: String
    public var calls: [APICall]
    public var statements: [GeneratedStatement]

    public var actions: [String] { Array(Set(statements.flatMap(\.actions))).sorted() }
}

/// Turns the calls found in code into IAM statements, naming resources from constants, environment
/// variables and the template.
public struct PolicyGenerator {
    let models: ServiceModels

    public init(models: ServiceModels) {
        self.models = models
    }

    /// Operations whose IAM action differs from the operation name (IAM's service authorization reference).
    static let actionOverrides: [String: [String: [String]]] = [
        "s3": [
            "ListObjectsV2": ["ListBucket"], "ListObjects": ["ListBucket"], "ListObjectVersions": ["ListBucketVersions"],
            "HeadObject": ["GetObject"], "HeadBucket": ["ListBucket"], "DeleteObjects": ["DeleteObject"],
            "CopyObject": ["GetObject", "PutObject"], "CreateMultipartUpload": ["PutObject"], "UploadPart": ["PutObject"],
            "CompleteMultipartUpload": ["PutObject"], "ListMultipartUploads": ["ListBucketMultipartUploads"], "ListParts": ["ListMultipartUploadParts"],
        ],
        "lambda": ["Invoke": ["InvokeFunction"], "InvokeAsync": ["InvokeFunction"], "InvokeWithResponseStream": ["InvokeFunction"]],
    ]

    /// Resource properties that give a template resource its physical name.
    static let nameProperties = ["TableName", "BucketName", "QueueName", "TopicName", "FunctionName", "Name", "StreamName", "StateMachineName"]

    public func policy(for function: LambdaFunction, calls: [APICall], template: Node?) throws(PostureError) -> GeneratedPolicy {
        var grouped: [[ARNTemplate]: Set<String>] = [:]
        for call in calls {
            guard let model = try models.model(call.service) else { continue }
            let names = Self.actionOverrides[call.service]?[call.operation] ?? [call.operation]
            for name in names {
                let resources = resourceARNs(for: call, action: name, function: function, template: template)
                grouped[resources, default: []].insert("\(model.actionPrefix):\(name)")
            }
        }
        var statements = grouped.map { GeneratedStatement(actions: $0.value.sorted(), resources: $0.key) }
            .sorted { ($0.actions.first ?? "") < ($1.actions.first ?? "") }
        statements.append(contentsOf: logStatements(function))
        return GeneratedPolicy(function: function.ref.id, calls: calls, statements: statements)
    }

    /// Lambda writes to `/aws/lambda/<function name>` with the function's own role.
    private func logStatements(_ function: LambdaFunction) -> [GeneratedStatement] {
        let name: ARNTemplate.Piece = function.name.text.map { .text($0) }
            ?? (function.ref.id.hasPrefix("AWS::") ? .resource(logicalID: function.key, attribute: nil, physicalName: nil) : .text(function.key))
        let group: [ARNTemplate.Piece] = [.text("arn:"), .partition, .text(":logs:"), .region, .text(":"), .account, .text(":log-group:/aws/lambda/"), name]
        return [
            GeneratedStatement(actions: ["logs:CreateLogGroup"], resources: [ARNTemplate(pieces: group)]),
            GeneratedStatement(actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [ARNTemplate(pieces: group + [.text(":*")])]),
        ]
    }

    private func resourceARNs(for call: APICall, action: String, function: LambdaFunction, template: Node?) -> [ARNTemplate] {
        guard let parameter = call.parameter, let name = resolve(call.target, function: function, template: template, parameter: parameter) else {
            return [.any]
        }
        let prefix: [ARNTemplate.Piece] = [.text("arn:"), .partition, .text(":")]
        let regional: (String) -> [ARNTemplate.Piece] = { service in prefix + [.text("\(service):"), .region, .text(":"), .account, .text(":")] }
        switch (call.service, parameter) {
        case ("dynamodb", "TableName"):
            let table = regional("dynamodb") + [.text("table/"), name]
            let indexes = action == "Query" || action == "Scan" ? [ARNTemplate(pieces: table + [.text("/index/*")])] : []
            return [ARNTemplate(pieces: table)] + indexes
        case ("s3", "Bucket"):
            let bucketActions: Set<String> = ["ListBucket", "ListBucketVersions", "ListBucketMultipartUploads", "GetBucketLocation"]
            return [ARNTemplate(pieces: prefix + [.text("s3:::"), name] + (bucketActions.contains(action) ? [] : [.text("/*")]))]
        case ("sqs", "QueueUrl"):
            return [ARNTemplate(pieces: regional("sqs") + [name])]
        case ("lambda", "FunctionName"):
            return [ARNTemplate(pieces: regional("lambda") + [.text("function:"), name])]
        case ("secretsmanager", "SecretId"):
            if case .text(let text) = name, text.hasPrefix("arn:") { return [ARNTemplate(pieces: [name])] }
            if case .resource = name { return [ARNTemplate(pieces: [name])] }
            return [ARNTemplate(pieces: regional("secretsmanager") + [.text("secret:"), name, .text("-*")])]
        case ("ssm", "Name"):
            return [ARNTemplate(pieces: regional("ssm") + [.text("parameter/"), name])]
        case ("kinesis", "StreamName"):
            return [ARNTemplate(pieces: regional("kinesis") + [.text("stream/"), name])]
        case (_, "TopicArn"), (_, "StateMachineArn"):
            return [ARNTemplate(pieces: [name])]
        default:
            return [.any]
        }
    }

    /// The name a call's target resolves to: a literal (an SQS URL becomes its queue name), an
    /// environment variable the template sets, or a template resource.
    private func resolve(_ target: TargetName, function: LambdaFunction, template: Node?, parameter: String) -> ARNTemplate.Piece? {
        switch target {
        case .unknown:
            return nil
        case .literal(let text):
            return .text(Self.literalName(text, parameter: parameter))
        case .environment(let variable):
            guard let entry = function.environment?.first(where: { $0.name == variable }) else { return nil }
            if let logicalID = entry.reference, let resource = template?["Resources", logicalID] {
                let physical = Self.nameProperties.lazy.compactMap { resource["Properties", $0]?.string }.first
                let attribute: String? = parameter == "QueueUrl" ? "QueueName" : nil
                return .resource(logicalID: logicalID, attribute: attribute, physicalName: physical)
            }
            return entry.value.text.map { .text(Self.literalName($0, parameter: parameter)) }
        }
    }

    private static func literalName(_ text: String, parameter: String) -> String {
        if parameter == "QueueUrl", text.hasPrefix("http") { return String(text.split(separator: "/").last ?? "") }
        if parameter == "Name" { return text.hasPrefix("/") ? String(text.dropFirst()) : text }
        return text
    }
}
