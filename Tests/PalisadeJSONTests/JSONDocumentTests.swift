import PalisadeJSON
import Testing

@Suite struct JSONDocumentTests {
    @Test func readsNestedValuesWithSpans() throws {
        let document = try JSONDocument(#"{"a": [1, "two", {"b": null}], "c": true, "d": -1.5e3}"#)
        let root = document.root
        #expect(root.kind == .object)
        #expect(root.count == 3)
        let items = Array(try #require(root["a"]).elements)
        #expect(items.map(\.kind) == [.number, .string, .object])
        #expect(items[1].string == "two")
        #expect(items[2]["b"]?.kind == .null)
        #expect(root["c"]?.isTrue == true)
        #expect(root["d"].map { String(decoding: $0.stringBytes, as: UTF8.self) } == "-1.5e3")
        #expect(root["missing"] == nil)
        let two = items[1]
        #expect(Array(document.bytes[two.fullSpan]) == Array(#""two""#.utf8))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let root = try JSONDocument(#"["\u0027 OR 1=1\n", "\ud83d\ude00", "\ud800x", "a\/b"]"#).root
        let values = root.elements.map { $0.string }
        #expect(values == ["' OR 1=1\n", "😀", "\u{FFFD}x", "a/b"])
        #expect(root.elements.first { _ in true }?.stringEquals("' OR 1=1\n") == true)
    }

    /// Header names are matched lowercased and decoded, in place or through their escapes; values
    /// are appended as `stringBytes` reads them.
    @Test func comparesLowercasedAndAppendsInPlace() throws {
        let names = try JSONDocument(#"["Content-Type", "content-TYPE", "Content-\u0054ype", "content-types", "content-typ", 7]"#)
        #expect(names.withView(tag: 0) { $0.elements.map { $0.stringEqualsLowercased("content-type") } } == [true, true, true, false, false, false])
        var output: [UInt8] = [0x3D]
        try JSONDocument(#"["a\u0062c", "de", 12]"#).withView(tag: 0) { root in
            for value in root.elements { value.appendStringBytes(to: &output) }
        }
        #expect(output == Array("=abcde12".utf8))
    }

    /// A member is found by its decoded name, the first of duplicates wins, and only objects have members.
    @Test func findsMembersByDecodedName() throws {
        let root = try JSONDocument(#"{"list": [{"x": 1}], "b\u006fdy": "escaped", "body": "plain", "dup": 1, "dup": 2, "deep": {"x": {"y": "z"}}}"#).root
        #expect(root["body"]?.string == "escaped")
        #expect(root["dup"].map { String(decoding: $0.stringBytes, as: UTF8.self) } == "1")
        #expect(root["x"] == nil)
        #expect(root["list"]?["x"] == nil)
        #expect(root.value(at: "deep", "x", "y")?.string == "z")
        #expect(root["list"].map { Array($0.elements)[0]["x"]?.kind } == .number)
        #expect(try JSONDocument(#""body""#).root["body"] == nil)
    }

    /// Unescaping writes into a buffer of the input's length: every escape must decode to no more bytes than it takes.
    @Test func unescapeIsLenientAndNeverLonger() {
        func unescape(_ text: String) -> String {
            let bytes = Array(text.utf8)
            return String(decoding: bytes.withUnsafeBufferPointer { JSONEscapes.unescape($0) }, as: UTF8.self)
        }
        #expect(unescape(#"\uZZ"#) == #"\uZZ"#)
        #expect(unescape(#"ab\"#) == #"ab\"#)
        #expect(unescape(#"\q\t"#) == "q\t")
        #expect(unescape(#"\u00e9\u20ac\udc00\ud83d\ude00\ud800"#) == "é€\u{FFFD}😀\u{FFFD}")
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"\u0123456789abcdefABCDEFdDxq"n"#.utf8)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let decoded = bytes.withUnsafeBufferPointer { JSONEscapes.unescape($0) }
            #expect(decoded.count <= bytes.count, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test(arguments: [
        ("", JSONError.Code.empty), ("{", .unexpectedEnd), ("[1,]", .unexpectedByte), ("{\"a\" 1}", .unexpectedByte),
        ("01", .trailingBytes), ("-", .invalidNumber), ("1.", .invalidNumber), ("tru", .unexpectedEnd), ("nul!", .invalidLiteral),
        ("\"a\u{01}\"", .invalidString), ("\"abc", .unexpectedEnd), ("[1] x", .trailingBytes),
    ])
    func rejectsMalformedDocumentsWithACode(text: String, code: JSONError.Code) {
        #expect(throws: JSONError.self) { try JSONDocument(text) }
        do {
            _ = try JSONDocument(text)
        } catch {
            #expect(error.code == code, "\(text): \(error)")
        }
    }

    @Test func boundsDepthAndSize() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try JSONDocument(deep)
            Issue.record("a 100,000-deep document was accepted")
        } catch {
            #expect(error.code == .tooDeep)
        }
        do {
            _ = try JSONDocument(bytes: Array(repeating: 0x20, count: 100), limits: JSONLimits(maxBytes: 10))
            Issue.record("a document over the size limit was accepted")
        } catch {
            #expect(error.code == .tooLarge)
        }
    }

    @Test func quotesOutputSoItCannotBecomeMarkup() {
        #expect(JSONEscapes.quoted("<script>\"&\n") == #""\u003cscript\u003e\"\u0026\n""#)
    }
}
