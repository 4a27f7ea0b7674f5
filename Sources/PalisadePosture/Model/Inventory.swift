/// Where a resource was declared: the file, the lines it spans and the id reports use for it
/// (Checkov's `<CloudFormation type>.<logical id>`, or the function key of a serverless.yml).
public struct ResourceRef: Sendable, Equatable, Hashable {
    public var id: String
    public var file: String
    public var line: Int
    public var endLine: Int

    public init(id: String, file: String, line: Int, endLine: Int? = nil) {
        self.id = id
        self.file = file
        self.line = line
        self.endLine = endLine ?? line
    }
}

/// How a function is invoked, in the spelling the agent and console use for the same idea.
public enum Trigger: String, Sendable, CaseIterable {
    case apiGatewayV1, httpApiV2, functionURL, alb, sqs, sns, s3, dynamodb, kinesis, kafka, mq
    case eventBridge, cognito, cloudWatchLogs, iot, alexa, other

    /// Triggers that invoke the function asynchronously, where a failed event is lost unless a DLQ
    /// or an on-failure destination keeps it.
    public var isAsynchronous: Bool {
        switch self {
        case .s3, .sns, .eventBridge, .cloudWatchLogs, .iot, .other: return true
        case .apiGatewayV1, .httpApiV2, .functionURL, .alb, .sqs, .dynamodb, .kinesis, .kafka, .mq, .cognito, .alexa:
            return false
        }
    }

    /// Maps a service principal (`s3.amazonaws.com`) to the trigger it stands for.
    public init(principal: String) {
        let service = principal.split(separator: ".").first.map(String.init)?.lowercased() ?? principal
        switch service {
        case "apigateway": self = .apiGatewayV1
        case "s3": self = .s3
        case "sns": self = .sns
        case "sqs": self = .sqs
        case "events", "scheduler": self = .eventBridge
        case "logs": self = .cloudWatchLogs
        case "cognito-idp": self = .cognito
        case "iot": self = .iot
        case "alexa-appkit", "alexa-connectedhome": self = .alexa
        case "elasticloadbalancing": self = .alb
        default: self = .other
        }
    }

    /// Maps the service in an event source ARN (`arn:aws:sqs:…`) to the trigger it stands for.
    public init(eventSourceArn: String) {
        let parts = eventSourceArn.split(separator: ":", omittingEmptySubsequences: false)
        let service = parts.count > 2 ? String(parts[2]) : ""
        switch service {
        case "sqs": self = .sqs
        case "kinesis": self = .kinesis
        case "dynamodb": self = .dynamodb
        case "kafka": self = .kafka
        case "mq": self = .mq
        default: self = .other
        }
    }
}

/// What a scanner knows about one value: known text, a value only the deployment decides (a `Ref`
/// to a resource, an `Fn::If`), or nothing at all.
public enum Known: Sendable, Equatable {
    case absent
    case value(String)
    case unresolved

    public var text: String? {
        if case .value(let text) = self { return text }
        return nil
    }

    public var isPresent: Bool { self != .absent }
}

/// One environment variable of a function and the line it is declared on.
public struct EnvironmentVariable: Sendable, Equatable {
    public var name: String
    public var value: Known
    public var line: Int
    /// The template resource the value points at (`!Ref Table`, `!GetAtt Queue.Arn`), if any.
    public var reference: String?

    public init(name: String, value: Known, line: Int, reference: String? = nil) {
        self.name = name
        self.value = value
        self.line = line
        self.reference = reference
    }
}

/// A Lambda function, whether it came from CloudFormation, SAM, serverless.yml or a live account.
public struct LambdaFunction: Sendable {
    public var ref: ResourceRef
    /// The key other resources use to point at the function: its logical id, function key or ARN.
    public var key: String
    public var name: Known = .absent
    public var runtime: Known = .absent
    public var runtimeLine: Int?
    /// `nil` when the function declares no environment at all.
    public var environment: [EnvironmentVariable]?
    public var kmsKey: Known = .absent
    public var deadLetterTarget: Known = .absent
    public var onFailureDestination: Known = .absent
    public var reservedConcurrency: Known = .absent
    public var vpcConfigured = false
    public var tracingMode: Known = .absent
    /// The role by the key other resources use for it (logical id or ARN), when the function names one.
    public var role: String?
    /// Statements the function's own definition grants (SAM `Policies`, serverless.yml statements);
    /// `nil` when the function only points at a role declared elsewhere.
    public var statements: [PolicyStatement]?
    /// AWS managed policies attached through the function's own definition.
    public var managedPolicies: [String] = []
    public var triggers: [TriggerUse] = []
    public var layers: [Known] = []
    public var logRetention: Known = .absent
    public var handler: Known = .absent
    public var codeLocation: Known = .absent
    /// Set by `audit` from CloudTrail: the function was created in the web console, not by a pipeline.
    public var createdInConsole: Bool?

    public init(ref: ResourceRef, key: String) {
        self.ref = ref
        self.key = key
    }
}

/// One way a function is invoked, with what protects the route when it is an HTTP API.
public struct TriggerUse: Sendable, Equatable {
    public var trigger: Trigger
    public var name: String
    public var line: Int
    /// For API routes: the route needs a caller identity (authorizer, IAM, API key).
    public var authorized: Bool = false
    /// For API routes: a usage plan or throttling caps what an anonymous caller can do.
    public var throttled: Bool = false
    /// For API routes: the API resource that carries the route, whose defaults apply to it.
    public var api: String?
    /// For API routes: the route sets its authorizer to `NONE`, so the API's default does not apply.
    public var optsOutOfDefaultAuthorizer = false

    public init(trigger: Trigger, name: String, line: Int) {
        self.trigger = trigger
        self.name = name
        self.line = line
    }
}

/// An IAM statement reduced to what the checks ask about.
public struct PolicyStatement: Sendable, Equatable {
    public var effect: String
    public var actions: [String]
    public var resources: [String]
    public var line: Int

    public init(effect: String, actions: [String], resources: [String], line: Int) {
        self.effect = effect
        self.actions = actions
        self.resources = resources
        self.line = line
    }

    public var allows: Bool { effect.lowercased() == "allow" }
}

/// An IAM role, policy, group or user whose policy documents are checked for wildcards.
public struct PolicyHolder: Sendable {
    public var ref: ResourceRef
    public var key: String
    /// `nil` when a document is built by an intrinsic the scanner cannot evaluate.
    public var statements: [PolicyStatement]?
    public var managedPolicies: [String] = []
    /// For `AWS::IAM::Policy`: the roles it is attached to.
    public var attachedRoles: [String] = []

    public init(ref: ResourceRef, key: String, statements: [PolicyStatement]?) {
        self.ref = ref
        self.key = key
        self.statements = statements
    }
}

/// A resource-based permission that lets a principal invoke a function.
public struct InvokePermission: Sendable {
    public var ref: ResourceRef
    public var principal: Known
    public var sourceArn: Known
    public var sourceAccount: Known
    public var functionKey: String?

    public init(ref: ResourceRef, principal: Known, sourceArn: Known, sourceAccount: Known, functionKey: String?) {
        self.ref = ref
        self.principal = principal
        self.sourceArn = sourceArn
        self.sourceAccount = sourceAccount
        self.functionKey = functionKey
    }
}

/// A function URL and its CORS settings.
public struct FunctionURLConfig: Sendable {
    public var ref: ResourceRef
    public var functionKey: String?
    public var authType: Known
    public var allowOrigins: [String]
    public var allowMethods: [String]

    public init(ref: ResourceRef, functionKey: String?, authType: Known, allowOrigins: [String], allowMethods: [String]) {
        self.ref = ref
        self.functionKey = functionKey
        self.authType = authType
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods
    }
}

/// An S3 bucket's canned ACL.
public struct BucketACL: Sendable {
    public var ref: ResourceRef
    public var accessControl: Known

    public init(ref: ResourceRef, accessControl: Known) {
        self.ref = ref
        self.accessControl = accessControl
    }
}

/// A REST API method declared as its own resource (`AWS::ApiGateway::Method`).
public struct APIMethod: Sendable {
    public var ref: ResourceRef
    public var authorized: Bool
    public var throttled: Bool

    public init(ref: ResourceRef, authorized: Bool, throttled: Bool) {
        self.ref = ref
        self.authorized = authorized
        self.throttled = throttled
    }
}

/// Everything the checks look at, from one template or one account.
public struct Inventory: Sendable {
    public var functions: [LambdaFunction] = []
    public var policyHolders: [PolicyHolder] = []
    public var permissions: [InvokePermission] = []
    public var functionURLs: [FunctionURLConfig] = []
    public var buckets: [BucketACL] = []
    public var apiMethods: [APIMethod] = []
    /// Inline `palisade:skip` comments, by file.
    public var suppressions: [String: [Suppression]] = [:]

    public init() {}

    public mutating func append(_ other: Inventory) {
        functions += other.functions
        policyHolders += other.policyHolders
        permissions += other.permissions
        functionURLs += other.functionURLs
        buckets += other.buckets
        apiMethods += other.apiMethods
        suppressions.merge(other.suppressions) { $0 + $1 }
    }
}

/// An inline `# palisade:skip=PAL-… reason` comment.
public struct Suppression: Sendable, Equatable {
    public var checkID: String
    public var reason: String
    public var line: Int

    public init(checkID: String, reason: String, line: Int) {
        self.checkID = checkID
        self.reason = reason
        self.line = line
    }
}
