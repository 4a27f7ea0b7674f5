@testable import PalisadeDetect
import Testing

/// Keys found clean are skipped in later events: that must never change a verdict, whatever came
/// before, and the memo must stay within its capacity.
@Suite struct CleanKeyMemoTests {
    static func event(_ json: String) -> [UInt8] { Array(json.utf8) }

    static func detector(remembering: Bool) -> Detector {
        var options = DetectorOptions()
        options.rememberCleanKeys = remembering
        return Detector(options: options)
    }

    /// Events of keys and values drawn from benign, attacking and look-alike words, in API Gateway
    /// bodies, headers and query strings and in direct invocations: a detector that remembers clean
    /// keys gives every event the verdict one that does not gives it.
    @Test func rememberingNeverChangesAVerdict() throws {
        let keys = ["sku", "name", "unitPrice", "shipping", "id", "ls", "cat", "select", "script", "onload", "$where", "$ne",
                    "__proto__", "constructor", "prototype", "pr%6ftotype", "proto&#116;ype", "a b", "x'--", "<svg", "..%2f", "jndi"]
        let values = ["EUR", "12.99", "O'Brien", "hello world", "' OR 1=1 --", "<script>alert(1)</script>", "; cat /etc/passwd",
                      "../../etc/passwd", "http://169.254.169.254/latest", "${jndi:ldap://x/a}", "{{7*7}}", "true"]
        var random = SeededRandom(seed: 0x4B45_59)
        let remembering = Self.detector(remembering: true)
        let judging = Self.detector(remembering: false)
        func key() -> String { keys[random.next(below: keys.count)] }
        func value() -> String { values[random.next(below: values.count)] }
        func quoted(_ text: String) -> String {
            "\"" + text.replacingEveryQuote() + "\""
        }
        for round in 0..<600 {
            let inner = (0..<3).map { _ in "\(quoted(key())): \(quoted(value()))" }.joined(separator: ", ")
            let body = "{\(quoted(key())): {\(inner)}, \(quoted(key())): [{\(quoted(key())): \(quoted(value()))}]}"
            let json: String
            switch round % 3 {
            case 0: json = body
            case 1:
                json = "{\"httpMethod\": \"POST\", \"path\": \"/p\", \"headers\": {\(quoted(key())): \(quoted(value()))}, "
                    + "\"queryStringParameters\": {\(quoted(key())): \(quoted(value()))}, \"requestContext\": {}, "
                    + "\"body\": \(quoted(body)), \"isBase64Encoded\": false}"
            default: json = "{\"Records\": [{\"eventSource\": \"aws:sqs\", \"body\": \(quoted(body))}]}"
            }
            let remembered = try remembering.inspect(event: Self.event(json)).jsonLine()
            let judged = try judging.inspect(event: Self.event(json)).jsonLine()
            #expect(remembered == judged, "event \(round): \(json)")
        }
    }

    /// A key found clean still has its value judged, and a key that reads `prototype` is judged
    /// with its parent however often it came before under another.
    @Test func aRememberedKeyStillHasItsValueAndParentJudged() throws {
        let detector = Self.detector(remembering: true)
        #expect(try !detector.inspect(event: Self.event(#"{"note": "hello", "a": {"prototype": {"x": 1}}}"#)).isAttack)
        let injected = try detector.inspect(event: Self.event(#"{"note": "' OR 1=1 --"}"#))
        #expect(injected.findings.contains { $0.category == .sqli && $0.location == "note" })
        let polluted = try detector.inspect(event: Self.event(#"{"constructor": {"prototype": {"x": 1}}}"#))
        #expect(polluted.findings.contains { $0.category == .proto })
    }

    /// An attacking key is never remembered: the same event is an attack every time.
    @Test func anAttackingKeyIsJudgedEveryTime() throws {
        let detector = Self.detector(remembering: true)
        let event = Self.event(#"{"filter": {"$where": "1"}, "__proto__": {"admin": true}}"#)
        let first = try detector.inspect(event: event).jsonLine()
        for _ in 0..<3 { #expect(try detector.inspect(event: event).jsonLine() == first) }
        #expect(try detector.inspect(event: event).isAttack)
    }

    /// The memo keeps clean keys only, tells kinds apart, and empties itself at its capacity.
    @Test func keepsCleanKeysOfTheirKindWithinItsCapacity() {
        func digest(_ text: String, _ source: InputSource) -> UInt64 {
            Array(text.utf8).withUnsafeBufferPointer { ShortInputKey.digest(of: $0, isKey: true, source: source)! }
        }
        func holds(_ memo: CleanKeyMemo, _ text: String, _ source: InputSource = .argumentName) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { memo.contains($0, source: source, digest: digest(text, source)) }
        }
        var event = ShortInputCache<Int>()
        for (index, (text, isKey)) in [("sku", true), ("$where", true), ("EUR", false)].enumerated() {
            Array(text.utf8).withUnsafeBufferPointer { bytes in
                let digest = ShortInputKey.digest(of: bytes, isKey: isKey, source: isKey ? .argumentName : .argument)!
                event.insert(index, for: bytes, isKey: isKey, source: isKey ? .argumentName : .argument, digest: digest)
            }
        }
        var memo = CleanKeyMemo()
        memo.remember(from: event) { $0 != 1 }
        #expect(holds(memo, "sku"))
        #expect(!holds(memo, "sku", .headerName))
        #expect(!holds(memo, "$where"))
        #expect(!holds(memo, "EUR"))
        #expect(memo.count == 1)

        for batch in 0..<100 {
            var keys = ShortInputCache<Int>()
            for index in 0..<100 {
                let text = "key-\(batch)-\(index)"
                Array(text.utf8).withUnsafeBufferPointer {
                    keys.insert(index, for: $0, isKey: true, source: .argumentName, digest: digest(text, .argumentName))
                }
            }
            memo.remember(from: keys) { _ in true }
            #expect(memo.count <= CleanKeyMemo.capacity)
        }
        #expect((0..<100).allSatisfy { holds(memo, "key-99-\($0)") })
    }
}

private extension String {
    /// The text inside a JSON string: quotes and backslashes escaped.
    func replacingEveryQuote() -> String {
        var escaped = ""
        for character in self {
            if character == "\"" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
