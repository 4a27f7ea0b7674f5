@testable import PalisadeDetect
import Testing

/// The decoders copy eight bytes at a time up to the next byte they act on: what they decode must
/// not depend on where it falls in a word, and dense runs of encodings must decode fully.
@Suite struct DecodingTests {
    typealias Case = (encoded: [UInt8], decoded: [UInt8])

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let percent: [Case] = [
        (bytes("%3C"), bytes("<")), (bytes("%2f"), bytes("/")), (bytes("%u003C"), bytes("<")), (bytes("%uFF0F"), bytes("/")),
        (bytes("%zz"), bytes("%zz")), (bytes("%"), bytes("%")), (bytes("+"), bytes("+")), (bytes("%25"), bytes("%")),
    ]
    static let entities: [Case] = [
        (bytes("&lt;"), bytes("<")), (bytes("&#60;"), bytes("<")), (bytes("&#x3c"), bytes("<")), (bytes("&colon;"), bytes(":")),
        (bytes("&#0000060;"), bytes("<")), (bytes("&bogus;"), bytes("&bogus;")), (bytes("&"), bytes("&")),
    ]
    static let backslashes: [Case] = [
        (bytes(#"\x3c"#), bytes("<")), (bytes(#"\u003C"#), bytes("<")), (bytes(#"\074"#), bytes("<")), (bytes(#"\q"#), bytes(#"\q"#)),
        (bytes(#"\"#), bytes(#"\"#)),
    ]
    static let normalized: [Case] = [
        ([0], []), ([0xC0, 0xAF], bytes("/")), ([0xE0, 0x80, 0xAF], bytes("/")), ([0xEF, 0xBC, 0x8F], bytes("/")),
        (bytes("é"), bytes("é")), (bytes("日"), bytes("日")), ([0xC0], [0xC0]),
    ]

    /// Each case after `offset` plain bytes and before a tail, alone and as a run of five.
    static func check(_ cases: [Case], _ decode: ([UInt8]) -> [UInt8]) {
        let tail = bytes("tail-0123456789")
        for offset in 0..<20 {
            let prefix = [UInt8](repeating: UInt8(ascii: "a"), count: offset)
            for (encoded, decoded) in cases {
                #expect(decode(prefix + encoded + tail) == prefix + decoded + tail, "\(offset) \(encoded)")
                let run = Array([[UInt8]](repeating: encoded, count: 5).joined())
                let decodedRun = Array([[UInt8]](repeating: decoded, count: 5).joined())
                #expect(decode(prefix + run) == prefix + decodedRun, "\(offset) run of \(encoded)")
            }
            #expect(decode(prefix) == prefix)
        }
    }

    @Test func percentDecodesAtEveryOffset() {
        Self.check(Self.percent) { Decoding.percentDecode($0, plusIsSpace: false) }
        Self.check(Self.percent.map { $0.encoded == Self.bytes("+") ? ($0.encoded, Self.bytes(" ")) : $0 }) {
            Decoding.percentDecode($0, plusIsSpace: true)
        }
        let stacked = Self.bytes(String(repeating: "%25", count: 2048) + String(repeating: "%2525%252F", count: 256))
        let once = Decoding.percentDecode(stacked, plusIsSpace: false)
        #expect(once == Self.bytes(String(repeating: "%", count: 2048) + String(repeating: "%25%2F", count: 256)))
    }

    @Test func htmlEntitiesDecodeAtEveryOffset() {
        Self.check(Self.entities, Decoding.htmlEntityDecode)
    }

    @Test func backslashEscapesDecodeAtEveryOffset() {
        Self.check(Self.backslashes, Decoding.backslashDecode)
    }

    @Test func bytesNormalizeAtEveryOffset() {
        Self.check(Self.normalized, Decoding.normalizeBytes)
    }

    /// The decoders meet in `Canonicalizer`, which runs them to a fixed point.
    @Test func canonicalFormUndoesStackedEncodings() {
        let value = Self.bytes("id=" + String(repeating: "x", count: 13) + "%253Cscript%253E&lt;\\x2f")
        #expect(Canonicalizer.canonical(value) == Self.bytes("id=" + String(repeating: "x", count: 13) + "<script></"))
    }
}
