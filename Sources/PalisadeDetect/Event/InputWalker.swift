import PalisadeJSON

/// Walks the parts of an event that a caller controls and hands each decoded value to `sink`,
/// keeping its JSON path. Budgets (inputs, nested decodes, bytes) keep hostile events bounded.
struct InputWalker<Sink: InputSink> {
    let options: DetectorOptions
    /// The caller's sink, written in place (a copy would count the references of all its arrays).
    let sink: UnsafeMutablePointer<Sink>
    /// The last step walked into, in `sink.paths`.
    var current = PathTree.root
    var record: Int?
    var emitted = 0
    var nestedDepth = 0
    var limitsHit: [String] = []
    /// What the values sent now are, for rules that look only at some parts of a request.
    var context = WalkContext.data

    enum WalkContext {
        case data, cookie, path, rawBody, fileName, queryString
        case header([UInt8])
    }

    init(options: DetectorOptions, sink: UnsafeMutablePointer<Sink>) {
        self.options = options
        self.sink = sink
    }

    mutating func within(_ component: PathComponent, _ body: (inout InputWalker) -> Void) {
        let outer = current
        current = sink.pointee.paths.add(component, under: outer)
        body(&self)
        current = outer
    }

    /// A step named by bytes read from the event.
    mutating func within(name: [UInt8], _ body: (inout InputWalker) -> Void) {
        let outer = current
        current = sink.pointee.paths.add(text: name, under: outer)
        body(&self)
        current = outer
    }

    mutating func within(key: JSONView, _ body: (inout InputWalker) -> Void) {
        within(.key(document: key.tag, node: key.index), body)
    }

    /// Reads `document` (the event, or one found inside it); the sink's paths keep it for as long as
    /// they name its keys.
    mutating func open(_ document: JSONDocument, _ body: (inout InputWalker, JSONView) -> Void) {
        let tag = sink.pointee.paths.adopt(document)
        document.withView(tag: tag) { body(&self, $0) }
    }

    /// Takes `value` over (most are decoded just for this call), so the sink owns it without a copy.
    mutating func send(_ value: consuming [UInt8], isKey: Bool = false) {
        guard !value.isEmpty, admit() else { return }
        var bytes = value
        if bytes.count > options.maxInputBytes {
            bytes.removeSubrange(options.maxInputBytes...)
            note("input-bytes")
        }
        sink.pointee.take(bytes, walked(isKey: isKey))
    }

    /// Sends `value.stringBytes`, as the document's own bytes when the string has no escapes.
    mutating func send(_ value: JSONView, isKey: Bool = false) {
        let sent: Void? = value.withPlainBytes { send(bytes: $0, isKey: isKey) }
        if sent == nil { send(value.stringBytes, isKey: isKey) }
    }

    private mutating func send(bytes value: UnsafeBufferPointer<UInt8>, isKey: Bool) {
        guard !value.isEmpty, admit() else { return }
        var bytes = value
        if bytes.count > options.maxInputBytes {
            bytes = UnsafeBufferPointer(rebasing: bytes[..<options.maxInputBytes])
            note("input-bytes")
        }
        sink.pointee.take(bytes: bytes, walked(isKey: isKey))
    }

    /// Counts one more input; false once `maxInputs` were sent.
    private mutating func admit() -> Bool {
        guard emitted < options.maxInputs else {
            note("inputs")
            return false
        }
        emitted += 1
        return true
    }

    /// Records that `limit` cut something off, once per event.
    private mutating func note(_ limit: String) {
        if !limitsHit.contains(limit) { limitsHit.append(limit) }
    }

    private func walked(isKey: Bool) -> WalkedInput {
        let source: InputSource = switch context {
        case .data: isKey ? .argumentName : .argument
        case .cookie: isKey ? .cookieName : .cookie
        case .path: .path
        case .rawBody: .rawBody
        case .fileName: .fileName
        case .queryString: .queryString
        case .header(let name): isKey ? .headerName : .header(name)
        }
        return WalkedInput(path: current, record: record, isKey: isKey, source: source)
    }

    // MARK: Generic JSON

    /// Every key and string leaf; strings that hold JSON are opened and walked in place.
    mutating func walk(_ value: JSONView) {
        switch value.kind {
        case .object:
            for (key, member) in value.members {
                within(key: key) { walker in
                    walker.send(key, isKey: true)
                    walker.walk(member)
                }
            }
        case .array:
            for (index, element) in value.elements.enumerated() {
                within(.index(index)) { $0.walk(element) }
            }
        case .string:
            walkText(value)
        case .number, .true, .false, .null:
            break
        }
    }

    /// A string that may itself be a JSON document (SQS bodies, SNS messages, form fields).
    mutating func walkText(_ bytes: [UInt8]) {
        if let nested = parseNested(bytes) {
            nestedDepth += 1
            open(nested) { $0.walk($1) }
            nestedDepth -= 1
        } else {
            send(bytes)
        }
    }

    /// `walkText(value.stringBytes)`, sending the document's own bytes when the string has no escapes
    /// and cannot be opened as JSON.
    mutating func walkText(_ value: JSONView) {
        let sent: Bool? = value.withPlainBytes { bytes in
            if mayOpen(bytes) { return false }
            send(bytes: bytes, isKey: false)
            return true
        }
        if sent != true { walkText(value.stringBytes) }
    }

    /// Whether `parseNested` would try to parse these bytes.
    private func mayOpen(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard nestedDepth < options.maxNestedDecodes, let first = bytes.first(where: { $0 > 0x20 }) else { return false }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    }

    func parseNested(_ bytes: [UInt8]) -> JSONDocument? {
        guard bytes.withUnsafeBufferPointer({ mayOpen($0) }) else { return nil }
        return try? JSONDocument(bytes: bytes, limits: options.jsonLimits)
    }

    // MARK: HTTP triggers

    /// API Gateway REST (v1) and ALB events; ALB leaves query strings percent-encoded.
    mutating func readRESTStyle(_ root: RootMembers, queryIsEncoded: Bool) {
        if let path = root.path { within(.name("path")) { $0.sendPath(path) } }
        if let multi = root.multiValueQueryStringParameters, multi.kind == .object {
            readParameters(multi, named: "multiValueQueryStringParameters", encoded: queryIsEncoded)
            sendQueryString(Self.queryString(of: multi))
        } else if let single = root.queryStringParameters {
            readParameters(single, named: "queryStringParameters", encoded: queryIsEncoded)
            sendQueryString(Self.queryString(of: single))
        }
        if let parameters = root.pathParameters { readParameters(parameters, named: "pathParameters", encoded: false) }
        let headers: JSONView?
        if let multi = root.multiValueHeaders, multi.kind == .object {
            headers = multi
            readHeaders(multi, named: "multiValueHeaders")
        } else {
            headers = root.headers
            if let headers { readHeaders(headers, named: "headers") }
        }
        readBody(root, headers: headers)
    }

    /// HTTP API (v2) and function URL events: the raw query string is the source of truth.
    mutating func readHTTPAPI(_ root: RootMembers) {
        if let rawPath = root.rawPath { within(.name("rawPath")) { $0.sendPath(rawPath) } }
        if let raw = root.rawQueryString, raw.kind == .string, !raw.span.isEmpty {
            readQueryString(raw.stringBytes, named: "queryStringParameters")
            sendQueryString(raw.stringBytes)
        } else if let single = root.queryStringParameters {
            readParameters(single, named: "queryStringParameters", encoded: false)
        }
        if let parameters = root.pathParameters { readParameters(parameters, named: "pathParameters", encoded: false) }
        if let cookies = root.cookies {
            within(.name("cookies")) { walker in
                for cookie in cookies.elements { walker.readCookiePair(cookie.stringBytes) }
            }
        }
        let headers = root.headers
        if let headers { readHeaders(headers, named: "headers") }
        readBody(root, headers: headers)
    }

    mutating func sendPath(_ value: JSONView) {
        context = .path
        send(value)
        context = .data
    }

    mutating func sendQueryString(_ bytes: [UInt8]) {
        context = .queryString
        within(.name("queryString")) { $0.send(bytes) }
        context = .data
    }

    /// REST and ALB events carry only the parsed parameters: the query string is rebuilt from them in
    /// order (`name=value&…`), as the function's framework would see it.
    static func queryString(of parameters: JSONView) -> [UInt8] {
        guard parameters.kind == .object else { return [] }
        var query: [UInt8] = []
        for (key, value) in parameters.members {
            forEachItem(of: value) { item in
                guard item.kind == .string else { return }
                if !query.isEmpty { query.append(UInt8(ascii: "&")) }
                key.appendStringBytes(to: &query)
                query.append(UInt8(ascii: "="))
                item.appendStringBytes(to: &query)
            }
        }
        return query
    }

    mutating func readParameters(_ parameters: JSONView, named name: StaticString, encoded: Bool) {
        guard parameters.kind == .object else { return }
        within(.name(name)) { walker in
            for (key, value) in parameters.members {
                if encoded {
                    walker.send(Decoding.percentDecode(key.stringBytes, plusIsSpace: true), isKey: true)
                } else {
                    walker.send(key, isKey: true)
                }
                walker.within(key: key) { walker in
                    Self.forEachItem(of: value) { item in
                        guard item.kind == .string else { return }
                        if encoded {
                            walker.walkText(Decoding.percentDecode(item.stringBytes, plusIsSpace: true))
                        } else {
                            walker.walkText(item)
                        }
                    }
                }
            }
        }
    }

    mutating func readQueryString(_ query: [UInt8], named name: StaticString) {
        within(.name(name)) { walker in
            for pair in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
                let (rawName, rawValue) = splitOnce(pair, at: UInt8(ascii: "="))
                let name = Decoding.percentDecode(Array(rawName), plusIsSpace: true)
                walker.send(name, isKey: true)
                walker.within(name: name) {
                    $0.walkText(Decoding.percentDecode(Array(rawValue), plusIsSpace: true))
                }
            }
        }
    }

    mutating func readHeaders(_ headers: JSONView, named name: StaticString) {
        guard headers.kind == .object else { return }
        within(.name(name)) { walker in
            for (key, value) in headers.members {
                // The name lowercased once per header rather than at each use, read in place: a
                // common header shares a constant array, and the name itself is sent as the
                // document's bytes.
                let lowered = key.withPlainBytes(HTTPNames.lowercased) ?? key.stringBytes.lowercasedASCII()
                if lowered.elementsEqual("cookie".utf8) {
                    walker.within(.name("cookie")) { walker in
                        Self.forEachItem(of: value) { item in
                            for pair in item.stringBytes.split(separator: UInt8(ascii: ";")) {
                                walker.readCookiePair(Array(pair.drop(while: { $0 == 0x20 })))
                            }
                        }
                    }
                    continue
                }
                walker.context = .header(lowered)
                walker.send(key, isKey: true)
                walker.within(key: key) { walker in
                    Self.forEachItem(of: value) { item in
                        if item.kind == .string { walker.send(item) }
                    }
                }
                walker.context = .data
            }
        }
    }

    /// The elements of a multi-value array, or the value itself: without gathering them in an array.
    static func forEachItem(of value: JSONView, _ body: (JSONView) -> Void) {
        if value.kind == .array {
            for item in value.elements { body(item) }
        } else {
            body(value)
        }
    }

    /// A `name=value` cookie; values are often percent-encoded by browsers and frameworks.
    mutating func readCookiePair(_ pair: [UInt8]) {
        let (name, value) = splitOnce(pair[...], at: UInt8(ascii: "="))
        let nameBytes = Array(name)
        context = .cookie
        send(nameBytes, isKey: true)
        within(name: nameBytes) {
            $0.send(Decoding.percentDecode(Array(value), plusIsSpace: false))
        }
        context = .data
    }

    /// The body by its declared content type, after base64 when `isBase64Encoded` says so.
    mutating func readBody(_ root: RootMembers, headers: JSONView?) {
        guard let bodyValue = root.body, bodyValue.kind == .string else { return }
        var body = bodyValue.stringBytes
        if root.isBase64Encoded?.isTrue == true, let decoded = Base64.decode(body) { body = decoded }
        let declaredType = headers.flatMap { headerValue($0, named: "content-type") } ?? []
        let contentType = declaredType.lowercasedASCII()
        within(.name("body")) { walker in
            if contentType.starts(with: HTTPNames.formType) {
                walker.readForm(body)
            } else if contentType.starts(with: HTTPNames.multipartType), let boundary = Multipart.boundary(in: contentType, original: declaredType) {
                for part in Multipart.parts(body, boundary: boundary) {
                    if let filename = part.filename {
                        walker.context = .fileName
                        walker.within(.name("filename")) { $0.send(filename) }
                        walker.context = .data
                    }
                    walker.send(part.name, isKey: true)
                    walker.within(name: part.name) { $0.walkText(part.value) }
                }
            } else if let nested = walker.parseNested(body) {
                walker.open(nested) { $0.walk($1) }
            } else if contentType.isEmpty, Self.looksLikeForm(body) {
                walker.readForm(body)
            } else {
                walker.context = .rawBody
                walker.send(body)
                walker.context = .data
                if body.first(where: { !ByteScan.isSpace($0) }) == UInt8(ascii: "<") {
                    for text in XMLText.values(body) { walker.send(text) }
                }
            }
        }
    }

    mutating func readForm(_ body: [UInt8]) {
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let (rawName, rawValue) = splitOnce(pair, at: UInt8(ascii: "="))
            let name = Decoding.percentDecode(Array(rawName), plusIsSpace: true)
            send(name, isKey: true)
            within(name: name) {
                $0.walkText(Decoding.percentDecode(Array(rawValue), plusIsSpace: true))
            }
        }
    }

    /// `a=1&b=2` with no spaces: treated as a form when the content type is missing.
    static func looksLikeForm(_ body: [UInt8]) -> Bool {
        guard let equals = body.firstIndex(of: UInt8(ascii: "=")), equals > 0 else { return false }
        return !body.contains(0x20) && !body.contains(0x0A) && body[..<equals].allSatisfy { $0.isNameByte }
    }

    /// `name` in lowercase; header names are compared in place, without a copy of each.
    func headerValue(_ headers: JSONView, named name: StaticString) -> [UInt8]? {
        for (key, value) in headers.members where key.stringEqualsLowercased(name) {
            if value.kind == .array { return value.elements.first(where: { _ in true })?.stringBytes }
            return value.stringBytes
        }
        return nil
    }

    // MARK: Record triggers

    mutating func readRecords(_ root: JSONView, trigger: Trigger) {
        guard let records = root["Records"] else { return }
        within(.name("Records")) { walker in
            for (index, item) in records.elements.enumerated() {
                walker.record = index
                walker.within(.index(index)) { $0.readRecord(item, trigger: trigger) }
            }
            walker.record = nil
        }
    }

    mutating func readRecord(_ item: JSONView, trigger: Trigger) {
        switch trigger {
        case .sqs:
            if let body = item["body"] { within(.name("body")) { $0.readMessage(body.stringBytes) } }
            if let attributes = item["messageAttributes"] {
                within(.name("messageAttributes")) { walker in
                    for (key, attribute) in attributes.members {
                        walker.within(key: key) { walker in
                            if let text = attribute["stringValue"] { walker.walkText(text) }
                        }
                    }
                }
            }
        case .sns:
            guard let sns = item["Sns"] else { return }
            within(.name("Sns")) { walker in
                if let subject = sns["Subject"] { walker.within(.name("Subject")) { $0.send(subject) } }
                if let message = sns["Message"] { walker.within(.name("Message")) { $0.walkText(message) } }
                if let attributes = sns["MessageAttributes"] {
                    walker.within(.name("MessageAttributes")) { walker in
                        for (key, attribute) in attributes.members {
                            walker.within(key: key) { walker in
                                if let text = attribute["Value"] { walker.walkText(text) }
                            }
                        }
                    }
                }
            }
        case .s3:
            if let key = item.value(at: "s3", "object", "key") {
                within(.name("s3.object.key")) { $0.send(Decoding.percentDecode(key.stringBytes, plusIsSpace: true)) }
            }
        case .dynamoDB:
            guard let stream = item["dynamodb"] else { return }
            within(.name("dynamodb")) { walker in
                let images: [(StaticString, JSONView?)] = [("Keys", stream["Keys"]), ("NewImage", stream["NewImage"]), ("OldImage", stream["OldImage"])]
                for case let (name, attributes?) in images {
                    walker.within(.name(name)) { $0.readDynamoMap(attributes) }
                }
            }
        case .kinesis:
            guard let data = item.value(at: "kinesis", "data") else { return }
            within(.name("kinesis.data")) { walker in
                let raw = data.stringBytes
                walker.walkText(Base64.decode(raw) ?? raw)
            }
        default:
            walk(item)
        }
    }

    /// An SQS body: plain text, JSON, or an SNS notification envelope whose `Message` is the payload.
    mutating func readMessage(_ bytes: [UInt8]) {
        guard let nested = parseNested(bytes) else { return send(bytes) }
        open(nested) { walker, root in
            if root["Type"]?.stringEquals("Notification") == true, root["TopicArn"] != nil {
                if let subject = root["Subject"], subject.kind == .string { walker.within(.name("Subject")) { $0.send(subject) } }
                if let message = root["Message"] {
                    walker.nestedDepth += 1
                    walker.within(.name("Message")) { $0.walkText(message) }
                    walker.nestedDepth -= 1
                }
                return
            }
            walker.nestedDepth += 1
            walker.walk(root)
            walker.nestedDepth -= 1
        }
    }

    /// DynamoDB typed attribute values: `{"S": …}`, `{"M": {…}}`, `{"L": […]}`, sets and binaries.
    mutating func readDynamoMap(_ map: JSONView) {
        for (name, typed) in map.members {
            send(name, isKey: true)
            within(key: name) { $0.readDynamoValue(typed) }
        }
    }

    mutating func readDynamoValue(_ typed: JSONView) {
        for (type, value) in typed.members {
            if type.stringEquals("S") {
                walkText(value)
            } else if type.stringEquals("B") {
                send(Base64.decode(value.stringBytes) ?? value.stringBytes)
            } else if type.stringEquals("SS") {
                for (index, element) in value.elements.enumerated() { within(.index(index)) { $0.walkText(element) } }
            } else if type.stringEquals("M") {
                readDynamoMap(value)
            } else if type.stringEquals("L") {
                for (index, element) in value.elements.enumerated() { within(.index(index)) { $0.readDynamoValue(element) } }
            }
        }
    }

    /// `awslogs.data` is base64 of a gzip of a JSON batch whose `logEvents[].message` are the inputs.
    mutating func readCloudWatchLogs(_ root: JSONView) {
        guard let data = root.value(at: "awslogs", "data"),
              let compressed = Base64.decode(data.stringBytes),
              let json = Gzip.inflate(compressed, limit: options.jsonLimits.maxBytes),
              let batch = try? JSONDocument(bytes: json, limits: options.jsonLimits),
              batch.root["logEvents"] != nil else {
            if let data = root.value(at: "awslogs", "data") { within(.name("awslogs.data")) { $0.send(data.stringBytes) } }
            return
        }
        open(batch) { walker, batchRoot in
            guard let events = batchRoot["logEvents"] else { return }
            walker.within(.name("awslogs.data.logEvents")) { walker in
                for (index, event) in events.elements.enumerated() {
                    guard let message = event["message"] else { continue }
                    walker.within(.index(index)) { $0.within(.name("message")) { $0.walkText(message) } }
                }
            }
        }
    }
}

/// Header and content-type names the walker compares against, in lowercase.
enum HTTPNames {
    static let formType = Array("application/x-www-form-urlencoded".utf8)
    static let multipartType = Array("multipart/form-data".utf8)

    /// Headers most requests through API Gateway, ALB or CloudFront carry, in lowercase: a header of
    /// one of these names shares its array instead of allocating a lowercase copy of its own.
    static let commonHeaders: [[UInt8]] = [
        "accept", "accept-encoding", "accept-language", "authorization", "cache-control",
        "cloudfront-forwarded-proto", "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer",
        "cloudfront-is-smarttv-viewer", "cloudfront-is-tablet-viewer", "cloudfront-viewer-asn",
        "cloudfront-viewer-country", "connection", "content-length", "content-type", "cookie", "host",
        "if-none-match", "origin", "postman-token", "referer", "sec-fetch-dest", "sec-fetch-mode",
        "sec-fetch-site", "user-agent", "via", "x-amz-cf-id", "x-amzn-trace-id", "x-api-key",
        "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-request-id",
    ].map { (name: StaticString) in name.withUTF8Buffer { Array($0) } }

    /// `name` with its ASCII letters lowercased.
    static func lowercased(_ name: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        commonHeaders.withUnsafeBufferPointer { known in
            for index in known.indices where ASCII.equalIgnoringCase(name, known[index]) { return known[index] }
            var copy = Array(name)
            copy.withUnsafeMutableBufferPointer(ASCII.lowercase)
            return copy
        }
    }
}

func splitOnce(_ bytes: ArraySlice<UInt8>, at separator: UInt8) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
    guard let index = bytes.firstIndex(of: separator) else { return (bytes, bytes[bytes.endIndex...]) }
    return (bytes[..<index], bytes[(index + 1)...])
}

extension Array where Element == UInt8 {
    /// A copy lowercased in place. Copied from a buffer rather than written into a new uninitialised
    /// array, whose generic allocation looks up the array's metadata at every call, or copied from a
    /// slice, which counts references and grows the copy.
    func lowercasedASCII() -> [UInt8] {
        var result = withUnsafeBufferPointer { Array($0) }
        result.withUnsafeMutableBufferPointer(ASCII.lowercase)
        return result
    }
}

enum ASCII {
    /// Lowercases ASCII letters in place, without a branch per byte (the compiler turns the loop
    /// into vector code).
    static func lowercase(_ buffer: inout UnsafeMutableBufferPointer<UInt8>) {
        for index in buffer.indices {
            let byte = buffer[index]
            buffer[index] = byte | (byte &- 0x41 < 26 ? 0x20 : 0)
        }
    }

    /// Whether `bytes` spell `lowercase` (which holds no capitals) with ASCII letters in either case.
    static func equalIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: [UInt8]) -> Bool {
        bytes.count == lowercase.count && lowercase.withUnsafeBufferPointer { lowercase in
            lowercase.indices.allSatisfy { bytes[$0] | (bytes[$0] &- 0x41 < 26 ? 0x20 : 0) == lowercase[$0] }
        }
    }
}

extension UInt8 {
    var isLetterOrDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self | 0x20 >= 0x61 && self | 0x20 <= 0x7A)
    }

    var isNameByte: Bool {
        (self >= 0x30 && self <= 0x39) || (self | 0x20 >= 0x61 && self | 0x20 <= 0x7A) || self == 0x5F || self == 0x2D || self == 0x2E
            || self == 0x5B || self == 0x5D || self == 0x25
    }
}
