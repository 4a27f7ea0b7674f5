import PalisadeJSON
import Testing

/// String scanning and unescaping skip eight ordinary bytes at a time: a quote, an escape or a
/// control byte must be found wherever it falls in a word, and an escape may straddle two words.
@Suite struct JSONWordScanTests {
    /// Escapes with what they decode to, the shapes attackers stack.
    static let escapes: [(written: String, decoded: String)] = [
        (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\/"#, "/"), (#"\u00e9"#, "é"), (#"\u20ac"#, "€"),
        (#"\ud83d\ude00"#, "😀"), (#"\ud800"#, "\u{FFFD}"), (#"\uZZ"#, #"\uZZ"#), (#"\q"#, "q"),
    ]

    static func string(_ document: String) throws -> String? {
        try JSONDocument(document).root.string
    }

    static func unescape(_ text: String) -> String {
        String(decoding: Array(text.utf8).withUnsafeBufferPointer { JSONEscapes.unescape($0) }, as: UTF8.self)
    }

    @Test(arguments: 0..<20)
    func findsEveryEscapeAtEveryOffset(offset: Int) throws {
        let prefix = String(repeating: "a", count: offset)
        let suffix = String(repeating: "é", count: 9)
        for (written, decoded) in Self.escapes {
            #expect(try Self.string("\"\(prefix)\(written)\(suffix)\"") == prefix + decoded + suffix, "\(written)")
            #expect(Self.unescape(prefix + written + suffix) == prefix + decoded + suffix, "\(written)")
            // A run of the same escape, so that some fall across word boundaries whatever the offset.
            let run = String(repeating: written, count: 5)
            #expect(try Self.string("\"\(prefix)\(run)\(prefix)\"") == prefix + String(repeating: decoded, count: 5) + prefix)
        }
        #expect(try Self.string("\"\(prefix)\"") == prefix)
        let items = try JSONDocument("[\"\(prefix)\",\"\(suffix)\",\"x\(prefix)\"]").root.elements.map(\.string)
        #expect(items == [prefix, suffix, "x" + prefix])
    }

    @Test(arguments: 0..<20)
    func rejectsAControlByteOrAMissingQuoteAtEveryOffset(offset: Int) {
        let prefix = String(repeating: "b", count: offset)
        for control in [0x00, 0x01, 0x0A, 0x1F] as [UInt8] {
            let bytes = Array("\"\(prefix)".utf8) + [control] + Array("cccccccc\"".utf8)
            #expect(Self.error(bytes)?.code == .invalidString)
            #expect(Self.error(bytes)?.offset == 1 + offset)
        }
        let unterminated = Array("\"\(prefix)".utf8)
        #expect(Self.error(unterminated)?.code == .unexpectedEnd)
        #expect(Self.error(unterminated)?.offset == unterminated.count)
        // A backslash as the last byte escapes the end: the error points past it, as it always has.
        let trailingBackslash = unterminated + [UInt8(ascii: "\\")]
        #expect(Self.error(trailingBackslash)?.code == .unexpectedEnd)
        #expect(Self.error(trailingBackslash)?.offset == trailingBackslash.count + 1)
        #expect(Self.unescape(prefix + "\\") == prefix + "\\")
    }

    /// A quote after an even run of backslashes ends the string, after an odd run it is text: the
    /// run's parity carries from word to word.
    @Test(arguments: 0..<8)
    func backslashRunParityDecidesTheQuote(offset: Int) throws {
        let prefix = String(repeating: "c", count: offset)
        for length in 0..<20 {
            let run = String(repeating: "\\", count: length)
            let halves = String(repeating: "\\", count: length / 2)
            let text = "\"\(prefix)\(run)\"x\""
            if length % 2 == 0 {
                #expect(Self.error(Array(text.utf8))?.code == .trailingBytes, "\(length)")
                #expect(try Self.string("\"\(prefix)\(run)\"") == prefix + halves)
            } else {
                #expect(try Self.string(text) == prefix + halves + "\"x", "\(length)")
            }
        }
    }

    static func error(_ bytes: [UInt8]) -> JSONError? {
        do {
            _ = try JSONDocument(bytes: bytes)
            return nil
        } catch {
            return error
        }
    }

    /// Random mixes of plain text (ASCII and multi-byte) and escapes decode to the concatenation of their parts.
    @Test func randomMixesDecodeLikeTheirParts() throws {
        let plain = ["x", "abcdefgh", "é", "日本", "0123456789abcdef", " ", "%25", "'", "`"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var written = ""
            var decoded = ""
            for _ in 0..<Int.random(in: 0...30, using: &generator) {
                if Bool.random(using: &generator) {
                    let part = Self.escapes.randomElement(using: &generator)!
                    written += part.written
                    decoded += part.decoded
                } else {
                    let part = plain.randomElement(using: &generator)!
                    written += part
                    decoded += part
                }
            }
            #expect(Self.unescape(written) == decoded, "\(written)")
            #expect(try Self.string("\"\(written)\"") == decoded, "\(written)")
        }
    }
}
