@testable import PalisadeDetect
import PalisadeJSON
import Testing

/// The CRS pack's transformations, which the scan also skips when they would leave an input unchanged.
@Suite struct TransformSetTests {
    @Test func normalizePathResolvesDotSegmentsAndFoldsSeparators() {
        let cases: [(String, String)] = [
            ("/a/b/../c", "/a/c"), ("a/./b", "a/b"), ("../../etc/passwd", "../../etc/passwd"), ("/../x", "/../x"),
            ("a\\b\\..\\c", "a/c"), ("//a//b/", "/a/b/"), ("a/", "a/"), ("/", "/"), ("a/..", ""), ("a/../", "/"),
            ("/a/..", "/"), ("x/../../y", "../y"), ("..", ".."), (".", ""), ("12.99", "12.99"), ("", ""),
        ]
        for (input, expected) in cases {
            #expect(TransformSet.normalizePath(Array(input.utf8)) == Array(expected.utf8), "\(input)")
        }
    }

    /// The check may only err towards "changes" (a leading `..` stays as it is): an input it passes is skipped.
    @Test func pathChangeCheckNeverMissesAChange() {
        let inputs = [
            "12.99", "a.b/c", "/checkout", "/", "a/", "//a", "a//b", "a/./b", "a/../b", "./a", "../a", "a/.", "a/..", ".", "..",
            "a\\b", "siobhan.obrien+orders@example.ie", "https://shop.example.com/receipts?lang=en", "web; Safari 18.1 / macOS 14.6",
            "/etc/passwd", "C:\\Windows\\win.ini", "...", "a/.../b", ".hidden/x", "a/b.", "", "/a/b/",
        ]
        #expect(!TransformSet.normalizePathChanges(Array("siobhan.obrien+orders@example.ie".utf8)))
        #expect(TransformSet.normalizePathChanges(Array("https://shop.example.com/".utf8)))
        for input in inputs {
            let bytes = Array(input.utf8)
            #expect(TransformSet.normalizePathChanges(bytes) || TransformSet.normalizePath(bytes) == bytes, "\(input)")
        }
    }

    @Test func effectiveTransformsKeepOnlyThoseThatChangeTheInput() {
        let path = TransformSet(["normalizePathWin"])
        #expect(path.effective(for: ScanInput(Array("12.99".utf8))).bits == 0)
        #expect(path.effective(for: ScanInput(Array("a/../etc/passwd".utf8))).bits == TransformSet.normalizePath)
        // After cmdLine drops the quote, `/."/` is a dot segment: the path check cannot judge the raw input.
        let commandPath = TransformSet(["cmdLine", "normalizePath"])
        #expect(commandPath.effective(for: ScanInput(Array("a/.\"/b".utf8))).bits & TransformSet.normalizePath != 0)
        let base64 = TransformSet(["base64Decode"])
        #expect(base64.effective(for: ScanInput(Array("Hello, world!".utf8))).bits == 0)
        #expect(base64.effective(for: ScanInput(Array("PHNjcmlwdD4=".utf8))).bits == TransformSet.base64Decode)
    }

    /// The gate's decoding without output agrees with `apply`: not base64 exactly when `Base64.decode`
    /// fails, and otherwise the bytes of the decoded variant (when canonical decoding keeps them).
    @Test func base64DecodedBytesAgreeWithTheVariant() {
        let texts = [
            "currency", "quantity", "d2hpbGUodHJ1ZSl7fQ==", "d2hpbGUodHJ1ZSl7fQ", "JTNDc2NyaXB0JTNF", "PHNjcmlwdD4=", "Y2F0IC9ldGMvcGFzc3dk",
            "abc=def=", "a===", "AAAA AAAA", "Hello, world!", "ord_2026", "tok_1QxYz2AbCdEfGhIjKlMn", "billingSameAsShipping", "",
        ]
        var exact = 0
        for text in texts {
            let input = ScanInput(Array(text.utf8))
            switch TransformSet.base64DecodedBytes(of: input) {
            case .notBase64:
                #expect(Base64.decode(input.bytes) == nil, "\(text)")
            case .exactly(let bytes):
                let decoded = Base64.decode(input.bytes)
                let variant = decoded.map { ByteSet(Canonicalizer.canonical($0)) }
                #expect(variant.map { $0.isSubset(of: bytes) && bytes.isSubset(of: $0) } == true, "\(text)")
                #expect(decoded.map { Canonicalizer.canonical($0) == $0 } == true, "\(text)")
                exact += 1
            case .any:
                #expect(Base64.decode(input.bytes).map { ByteSet($0).intersects(Canonicalizer.decodable) } == true, "\(text)")
            }
        }
        #expect(exact >= 5)
    }

    /// Dropping a transformation (or reading `cmdLine` as lowercasing) must give the same bytes as
    /// applying every one, on every corpus input and on crafted ones, for each set of the pack
    /// (base64 sets aside: the traits describe the input, not what it decodes to).
    @Test func effectiveTransformsGiveTheSameVariant() throws {
        let values = try Self.sampleValues()
        let sets = Set(CRSRulePack.shared.rules.map(\.transforms)).filter { $0.bits & TransformSet.base64Decode == 0 }
        var shared = 0
        for value in values {
            let input = ScanInput(value)
            for set in sets {
                var variants = TransformCache()
                let effective = set.effective(for: input)
                #expect(variants.value(for: effective, of: input) == set.apply(to: input.bytes), "\(set.bits) on \(String(decoding: value, as: UTF8.self))")
                if effective.automatonText.bits == 0, set.bits & ~TransformSet.lowercase != 0 { shared += 1 }
            }
        }
        #expect(shared > 10000)
    }

    /// A set of only `lowercaseOnly` transformations reads the input's lowercase copy (the scan then
    /// runs the automaton once over `lower` for every waiting rule), base64 sets included.
    @Test func lowercaseOnlyTransformsGiveTheLowercaseCopy() throws {
        let values = try Self.sampleValues() + ["currency", "Saint-\u{C9}tienne", "d2hpbGUodHJ1ZSl7fQ==", "PHNjcmlwdD4=", "a/./b", "A/B"].map { Array($0.utf8) }
        let sets = Set(CRSRulePack.shared.rules.map(\.transforms))
        var plain = 0, changing = 0
        for value in values {
            let input = ScanInput(value)
            for set in sets {
                guard set.bits & ~input.transformTraits.lowercaseOnly == 0 else {
                    changing += 1
                    continue
                }
                plain += 1
                #expect(set.effective(for: input).automatonText.bits == 0, "\(set.bits) on \(String(decoding: value, as: UTF8.self))")
                // The scan reads base64 as unchanging below 8 bytes (`InputTraits`), so `apply` is checked without it.
                let applied = TransformSet(bits: set.bits & ~TransformSet.base64Decode).apply(to: input.bytes)
                #expect(applied.lowercasedASCII() == input.lower, "\(set.bits) on \(String(decoding: value, as: UTF8.self))")
            }
        }
        #expect(plain > 10000)
        #expect(changing > 1000)
    }

    /// Crafted inputs and every input value of the CRS corpus.
    static func sampleValues() throws -> [[UInt8]] {
        var values: [[UInt8]] = [
            "Ring twice; if nobody answers", "Please deliver after 5pm.", "a  b", "a /b", "a (b", "A B", "web; Safari 18.1 / macOS 14.6",
            "Gift for Mum - please don't", "x\ty", "a\u{0B}b", "voil\u{E0} tout", "Voil\u{E0}", "SELECT * FROM t", "a\tb", " lead", "trail ",
        ].map { Array($0.utf8) }
        values += try CRSCorpus.inputValues().map { Array($0.utf8) }
        return values
    }
}
