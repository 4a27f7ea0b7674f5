import PalisadeJSON

/// One step of an input's location in the event.
enum PathComponent {
    case name(String)
    case key(JSONValue)
    case index(Int)
}

/// An input as the reader hands it out: the location is rendered only when somebody asks for it.
/// Where in a request an input sits, in the terms CRS rules use for their targets.
enum InputSource: Hashable {
    case argument, argumentName, cookie, cookieName, headerName, path, rawBody, fileName
    /// The whole query string, for the few CRS rules that read `QUERY_STRING` rather than arguments;
    /// Palisade's own detectors see its parameters one by one instead.
    case queryString
    /// A header value, with the header's lowercased name.
    case header([UInt8])
}

struct InputView {
    var path: [PathComponent]
    var value: [UInt8]
    var record: Int?
    var isKey: Bool
    var source: InputSource

    var location: String { Self.location(of: path[...]) }

    /// A path as findings name it: `body.items[0].name`, or `$` for the root.
    static func location(of path: ArraySlice<PathComponent>) -> String {
        var text = ""
        for component in path {
            switch component {
            case .name(let name):
                if !text.isEmpty { text += "." }
                text += name
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += String(decoding: key.stringBytes, as: UTF8.self)
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text.isEmpty ? "$" : text
    }

    /// The nearest enclosing object key, decoded; for a key, the key that holds it.
    var parentKey: [UInt8]? {
        for component in path.dropLast(isKey ? 1 : 0).reversed() {
            if case .key(let key) = component { return key.stringBytes }
            if case .name(let name) = component { return Array(name.utf8) }
        }
        return nil
    }

    func materialized() -> Input { Input(location: location, value: value, record: record, isKey: isKey) }
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
        self.trigger = TriggerRecognizer.recognize(document.root)
    }

    /// Byte ranges of the batch records, for triggers that have them.
    var records: [EventRecord] {
        guard trigger.isBatch || trigger == .sns || trigger == .s3, let list = document.root["Records"] else { return [] }
        return list.elements.enumerated().map { EventRecord(index: $0.offset, span: $0.element.fullSpan) }
    }

    /// Calls `body` for each input in event order, up to `options.maxInputs`; returns the limits hit.
    @discardableResult
    func forEachInput(_ body: (InputView) -> Void) -> [String] {
        withoutActuallyEscaping(body) { body in walk(body) }
    }

    private func walk(_ body: @escaping (InputView) -> Void) -> [String] {
        var walker = InputWalker(options: options, emit: body)
        let root = document.root
        switch trigger {
        case .apiGatewayV1, .alb: walker.readRESTStyle(root, queryIsEncoded: trigger == .alb)
        case .httpAPIV2, .functionURL: walker.readHTTPAPI(root)
        case .sqs, .sns, .s3, .dynamoDB, .kinesis: walker.readRecords(root, trigger: trigger)
        case .eventBridge:
            if let detail = root["detail"] { walker.within(PathComponent.name("detail")) { $0.walk(detail) } }
        case .cognito:
            if let userName = root["userName"] { walker.within(PathComponent.name("userName")) { $0.walk(userName) } }
            if let request = root["request"] { walker.within(PathComponent.name("request")) { $0.walk(request) } }
        case .cloudWatchLogs: walker.readCloudWatchLogs(root)
        case .direct: walker.walk(root)
        }
        return walker.limitsHit
    }
}

enum TriggerRecognizer {
    static func recognize(_ root: JSONValue) -> Trigger {
        guard root.kind == .object else { return .direct }
        if let records = root["Records"], let first = records.elements.first(where: { _ in true }) {
            let source = first["eventSource"] ?? first["EventSource"]
            if let source {
                if source.stringEquals("aws:sqs") { return .sqs }
                if source.stringEquals("aws:sns") { return .sns }
                if source.stringEquals("aws:s3") { return .s3 }
                if source.stringEquals("aws:dynamodb") { return .dynamoDB }
                if source.stringEquals("aws:kinesis") { return .kinesis }
            }
        }
        if root.value(at: "awslogs", "data") != nil { return .cloudWatchLogs }
        if let context = root["requestContext"] {
            if context["elb"] != nil { return .alb }
            if root["version"]?.stringEquals("2.0") == true || root["rawPath"] != nil {
                if let domain = context["domainName"], contains(domain.stringBytes, ".lambda-url.") { return .functionURL }
                return .httpAPIV2
            }
            if root["httpMethod"] != nil { return .apiGatewayV1 }
        }
        if root["httpMethod"] != nil, root["path"] != nil { return .apiGatewayV1 }
        if root["detail-type"] != nil, root["detail"] != nil { return .eventBridge }
        if root["triggerSource"] != nil, root["userPoolId"] != nil { return .cognito }
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
