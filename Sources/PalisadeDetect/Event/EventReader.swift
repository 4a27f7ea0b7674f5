import PalisadeJSON

/// One step of an input's location in the event. Plain values only (no string or array): the tree
/// of an event's steps is then added to and emptied without counting references.
enum PathComponent {
    /// A name the walker gives (`body`, `headers`).
    case name(StaticString)
    /// A name read from the event (a cookie's, a form field's): bytes `start..<end` of the tree's `names`.
    case text(start: Int32, end: Int32)
    /// An object key: its node in the document the path tree adopted as number `document`.
    case key(document: Int, node: Int)
    case index(Int)
}

/// Where in a request an input sits, in the terms CRS rules use for their targets.
enum InputSource: Hashable {
    case argument, argumentName, cookie, cookieName, headerName, path, rawBody, fileName
    /// The whole query string, for the few CRS rules that read `QUERY_STRING` rather than arguments;
    /// Palisade's own detectors see its parameters one by one instead.
    case queryString
    /// A header value, with the header's lowercased name.
    case header([UInt8])
}

/// Every step walked in an event, each with the index of the step that holds it: an input records
/// the index of its last step (one integer) instead of a copy of its path, and the path is spelled
/// out only for the few inputs that are reported.
struct PathTree {
    private struct Node {
        let parent: Int32
        let component: PathComponent
    }

    /// The index of the event's root, which has no step.
    static let root: Int32 = -1

    private var nodes: [Node] = []
    /// The documents whose keys the steps name: the event and those found inside it.
    private var documents: [JSONDocument] = []
    /// The bytes of the `.text` steps, one after another.
    private var names: [UInt8] = []

    /// Keeps `document` for the steps that will name its keys; returns its number.
    mutating func adopt(_ document: JSONDocument) -> Int {
        documents.append(document)
        return documents.count - 1
    }

    /// Adds `component` as a step inside `parent` and returns its index.
    mutating func add(_ component: PathComponent, under parent: Int32) -> Int32 {
        nodes.append(Node(parent: parent, component: component))
        return Int32(truncatingIfNeeded: nodes.count - 1)
    }

    /// Adds a step named `text` (a name read from the event) inside `parent` and returns its index.
    mutating func add(text: [UInt8], under parent: Int32) -> Int32 {
        let start = Int32(truncatingIfNeeded: names.count)
        names.append(contentsOf: text)
        return add(.text(start: start, end: Int32(truncatingIfNeeded: names.count)), under: parent)
    }

    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        documents.removeAll(keepingCapacity: true)
        names.removeAll(keepingCapacity: true)
    }

    /// The name of a `.text` step as its path spells it (invalid UTF-8 replaced).
    private func text(_ start: Int32, _ end: Int32) -> String {
        String(decoding: names[Int(start)..<Int(end)], as: UTF8.self)
    }

    /// A path as findings name it: `body.items[0].name`, or `$` for the root.
    func location(of node: Int32) -> String {
        var steps: [PathComponent] = []
        var cursor = node
        while cursor != Self.root {
            steps.append(nodes[Int(cursor)].component)
            cursor = nodes[Int(cursor)].parent
        }
        var text = ""
        for component in steps.reversed() {
            switch component {
            case .name(let name):
                if !text.isEmpty { text += "." }
                text += name.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
            case .text(let start, let end):
                if !text.isEmpty { text += "." }
                text += self.text(start, end)
            case .key(let document, let node):
                if !text.isEmpty { text += "." }
                text += String(decoding: documents[document].stringBytes(ofNode: node), as: UTF8.self)
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text.isEmpty ? "$" : text
    }

    /// The nearest enclosing object key or name, decoded; for a key, the one that holds it.
    func parentKey(of node: Int32, isKey: Bool) -> [UInt8]? {
        var cursor = node
        if isKey, cursor != Self.root { cursor = nodes[Int(cursor)].parent }
        while cursor != Self.root {
            switch nodes[Int(cursor)].component {
            case .key(let document, let node): return documents[document].stringBytes(ofNode: node)
            case .name(let name): return name.withUTF8Buffer { Array($0) }
            case .text(let start, let end): return Array(text(start, end).utf8)
            case .index: cursor = nodes[Int(cursor)].parent
            }
        }
        return nil
    }
}

/// What the walker knows of an input besides its bytes.
struct WalkedInput {
    /// The input's last step in the sink's `paths`.
    var path: Int32
    var record: Int?
    var isKey: Bool
    var source: InputSource
}

/// Where the walker hands each input, in event order: the engine decodes them, `Detector.inputs(of:)`
/// collects them. A generic parameter of the walker rather than a closure, so each call is direct.
protocol InputSink {
    /// The steps walked so far; the walker adds one per step and gives each input its last.
    var paths: PathTree { get set }
    mutating func take(_ value: consuming [UInt8], _ input: consuming WalkedInput)
    /// An input that is still the document's own bytes (a JSON string without escapes), for a sink
    /// that can tell from them alone that it needs no copy.
    mutating func take(bytes value: UnsafeBufferPointer<UInt8>, _ input: consuming WalkedInput)
}

extension InputSink {
    mutating func take(bytes value: UnsafeBufferPointer<UInt8>, _ input: consuming WalkedInput) {
        take(Array(value), input)
    }
}

/// Recognises an event's trigger and walks every attacker-controllable input in it, decoding the
/// envelopes the trigger defines (base64 bodies, JSON in strings, SNS in SQS, gzip log batches).
struct EventReader {
    let document: JSONDocument
    let options: DetectorOptions
    let trigger: Trigger

    init(document: JSONDocument, options: DetectorOptions) {
        self.document = document
        self.options = options
        self.trigger = document.withView(tag: 0, TriggerRecognizer.recognize)
    }

    /// Byte ranges of the batch records, for triggers that have them.
    var records: [EventRecord] {
        guard trigger.isBatch || trigger == .sns || trigger == .s3, let list = document.root["Records"] else { return [] }
        return list.elements.enumerated().map { EventRecord(index: $0.offset, span: $0.element.fullSpan) }
    }

    /// Hands every input to `sink` in event order, up to `options.maxInputs`; returns the limits hit.
    @discardableResult
    func walk<Sink: InputSink>(into sink: inout Sink) -> [String] {
        // The walker writes the sink through this pointer only while the walk below runs.
        withUnsafeMutablePointer(to: &sink) { walk(into: $0) }
    }

    private func walk<Sink: InputSink>(into sink: UnsafeMutablePointer<Sink>) -> [String] {
        var walker = InputWalker(options: options, sink: sink)
        walker.open(document) { walker, root in
            switch trigger {
            case .apiGatewayV1, .alb: walker.readRESTStyle(RootMembers(root), queryIsEncoded: trigger == .alb)
            case .httpAPIV2, .functionURL: walker.readHTTPAPI(RootMembers(root))
            case .sqs, .sns, .s3, .dynamoDB, .kinesis: walker.readRecords(root, trigger: trigger)
            case .eventBridge:
                if let detail = root["detail"] { walker.within(PathComponent.name("detail")) { $0.walk(detail) } }
            case .cognito:
                if let userName = root["userName"] { walker.within(PathComponent.name("userName")) { $0.walk(userName) } }
                if let request = root["request"] { walker.within(PathComponent.name("request")) { $0.walk(request) } }
            case .cloudWatchLogs: walker.readCloudWatchLogs(root)
            case .direct: walker.walk(root)
            }
        }
        return walker.limitsHit
    }
}

enum TriggerRecognizer {
    static func recognize(_ root: JSONView) -> Trigger {
        guard root.kind == .object else { return .direct }
        let members = RootMembers(root)
        if let records = members.records, let first = records.elements.first(where: { _ in true }) {
            let source = first["eventSource"] ?? first["EventSource"]
            if let source {
                if source.stringEquals("aws:sqs") { return .sqs }
                if source.stringEquals("aws:sns") { return .sns }
                if source.stringEquals("aws:s3") { return .s3 }
                if source.stringEquals("aws:dynamodb") { return .dynamoDB }
                if source.stringEquals("aws:kinesis") { return .kinesis }
            }
        }
        if members.awslogs?["data"] != nil { return .cloudWatchLogs }
        if let context = members.requestContext {
            if context["elb"] != nil { return .alb }
            if members.version?.stringEquals("2.0") == true || members.rawPath != nil {
                if let domain = context["domainName"], contains(domain.stringBytes, ".lambda-url.") { return .functionURL }
                return .httpAPIV2
            }
            if members.httpMethod != nil { return .apiGatewayV1 }
        }
        if members.httpMethod != nil, members.path != nil { return .apiGatewayV1 }
        if members.detailType != nil, members.detail != nil { return .eventBridge }
        if members.triggerSource != nil, members.userPoolId != nil { return .cognito }
        return .direct
    }

    static func contains(_ haystack: [UInt8], _ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { needle in
            guard needle.count <= haystack.count else { return false }
            for start in 0...(haystack.count - needle.count)
            where haystack[start..<start + needle.count].elementsEqual(needle) {
                return true
            }
            return false
        }
    }
}

/// The members of an event's root that the trigger recognizer and the HTTP readers ask for, found in
/// one pass over the root: asked for one by one, each name costs a pass over the root, and a REST
/// event is asked for about fifteen names, most of them missing. Each is the first member of its
/// name, as `JSONView`'s subscript finds it; kept as node numbers (a small value to pass around).
struct RootMembers {
    private let root: JSONView
    private var recordsNode: Int32 = -1
    private var awslogsNode: Int32 = -1
    private var requestContextNode: Int32 = -1
    private var versionNode: Int32 = -1
    private var rawPathNode: Int32 = -1
    private var httpMethodNode: Int32 = -1
    private var pathNode: Int32 = -1
    private var detailTypeNode: Int32 = -1
    private var detailNode: Int32 = -1
    private var triggerSourceNode: Int32 = -1
    private var userPoolIdNode: Int32 = -1
    private var multiValueQueryStringParametersNode: Int32 = -1
    private var queryStringParametersNode: Int32 = -1
    private var pathParametersNode: Int32 = -1
    private var multiValueHeadersNode: Int32 = -1
    private var headersNode: Int32 = -1
    private var bodyNode: Int32 = -1
    private var isBase64EncodedNode: Int32 = -1
    private var rawQueryStringNode: Int32 = -1
    private var cookiesNode: Int32 = -1

    init(_ root: JSONView) {
        self.root = root
        for (key, value) in root.members {
            let node = Int32(truncatingIfNeeded: value.index)
            if key.withPlainBytes({ note(node, named: $0) }) == nil {
                key.stringBytes.withUnsafeBufferPointer { note(node, named: $0) }
            }
        }
    }

    private func member(_ node: Int32) -> JSONView? {
        node < 0 ? nil : root.value(atNode: Int(node))
    }

    var records: JSONView? { member(recordsNode) }
    var awslogs: JSONView? { member(awslogsNode) }
    var requestContext: JSONView? { member(requestContextNode) }
    var version: JSONView? { member(versionNode) }
    var rawPath: JSONView? { member(rawPathNode) }
    var httpMethod: JSONView? { member(httpMethodNode) }
    var path: JSONView? { member(pathNode) }
    var detailType: JSONView? { member(detailTypeNode) }
    var detail: JSONView? { member(detailNode) }
    var triggerSource: JSONView? { member(triggerSourceNode) }
    var userPoolId: JSONView? { member(userPoolIdNode) }
    var multiValueQueryStringParameters: JSONView? { member(multiValueQueryStringParametersNode) }
    var queryStringParameters: JSONView? { member(queryStringParametersNode) }
    var pathParameters: JSONView? { member(pathParametersNode) }
    var multiValueHeaders: JSONView? { member(multiValueHeadersNode) }
    var headers: JSONView? { member(headersNode) }
    var body: JSONView? { member(bodyNode) }
    var isBase64Encoded: JSONView? { member(isBase64EncodedNode) }
    var rawQueryString: JSONView? { member(rawQueryStringNode) }
    var cookies: JSONView? { member(cookiesNode) }

    /// Keeps `node` as the value of the name `name` spells, when it is one asked for and no member
    /// of that name came before.
    private mutating func note(_ node: Int32, named name: UnsafeBufferPointer<UInt8>) {
        func first(_ slot: inout Int32, _ expected: StaticString) -> Bool {
            let matches = expected.withUTF8Buffer { expected in
                for index in expected.indices where expected[index] != name[index] { return false }
                return true
            }
            if matches, slot < 0 { slot = node }
            return matches
        }
        // By length first: most names are told apart by it, and the rest by one or two compares.
        switch name.count {
        case 4: _ = first(&pathNode, "path") || first(&bodyNode, "body")
        case 6: _ = first(&detailNode, "detail")
        case 7:
            _ = first(&headersNode, "headers") || first(&recordsNode, "Records") || first(&awslogsNode, "awslogs")
                || first(&versionNode, "version") || first(&rawPathNode, "rawPath") || first(&cookiesNode, "cookies")
        case 10: _ = first(&httpMethodNode, "httpMethod") || first(&userPoolIdNode, "userPoolId")
        case 11: _ = first(&detailTypeNode, "detail-type")
        case 13: _ = first(&triggerSourceNode, "triggerSource")
        case 14:
            _ = first(&requestContextNode, "requestContext") || first(&pathParametersNode, "pathParameters")
                || first(&rawQueryStringNode, "rawQueryString")
        case 15: _ = first(&isBase64EncodedNode, "isBase64Encoded")
        case 17: _ = first(&multiValueHeadersNode, "multiValueHeaders")
        case 21: _ = first(&queryStringParametersNode, "queryStringParameters")
        case 31: _ = first(&multiValueQueryStringParametersNode, "multiValueQueryStringParameters")
        default: break
        }
    }
}
