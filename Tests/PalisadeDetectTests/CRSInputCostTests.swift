@testable import PalisadeDetect
import Testing

/// The input traits that let the CRS scan skip a transformation (or a built variant) on inputs it
/// cannot change: each shortcut must give the variant `TransformSet.apply` gives.
@Suite struct CRSInputCostTests {
    static func same(_ first: ByteSet, _ second: ByteSet) -> Bool { first.isSubset(of: second) && second.isSubset(of: first) }

    @Test func byteSetsSpelledAsWordsHoldTheirBytes() {
        #expect(Self.same(TransformSet.dotAndQuoteBytes, ByteSet(".\"'^")))
        #expect(Self.same(TransformSet.commandLineWeakBytes, ByteSet(".\"'^,; \t\n\r").adding(0x0B).adding(0x0C).adding(0xA0)))
        #expect(Self.same(Canonicalizer.escapeBytes, ByteSet("%&\\").adding(0)))
        #expect(Self.same(Canonicalizer.escapeBytes.union(Canonicalizer.overlongLeads), Canonicalizer.decodable))
    }

    /// Texts of the base64 alphabet whose length leaves six bits over never decode, and the traits say so.
    @Test func base64OfLengthOneModFourNeverDecodes() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".utf8)
        var generator = SystemRandomNumberGenerator()
        var unchanging = 0
        for count in 8...41 {
            for _ in 0..<20 {
                let bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator)! }
                let input = ScanInput(bytes)
                if input.transformTraits.unchanging & TransformSet.base64Decode != 0 {
                    #expect(Base64.decode(bytes) == nil, "\(String(decoding: bytes, as: UTF8.self))")
                    unchanging += 1
                }
            }
        }
        #expect(unchanging >= 100)
        let base64 = TransformSet(["base64Decode"])
        for text in ["unitPrice", "ord_2026-11-23_000417", "billingSameAsShipping"] {
            #expect(base64.effective(for: ScanInput(Array(text.utf8))).bits == 0, "\(text)")
        }
        // Whitespace and padding are skipped by the decoder, so the length alone says nothing then.
        #expect(base64.effective(for: ScanInput(Array("QUJD REVG R0g=".utf8))).bits == TransformSet.base64Decode)
    }

    /// `normalizePath` dropped for inputs without a separator, and after `cmdLine` for inputs whose
    /// segments it keeps: the variant must be the one every transformation gives.
    @Test func droppedNormalizePathGivesTheSameVariant() {
        let inputs = [
            "12 Rue de l'Église, Apt. #4", "Ring twice; if nobody answers (No. 14). Thanks!", "web; Safari 18.1 / macOS 14.6",
            "7-in-1 hub: HDMI 4K@60Hz, 2x USB-A, SD/microSD, 100 W PD", "'.'", "\"..\"", ".^.", "'..'/x", "x/.'/y", "a/ /b",
            "a/'/b", "a/ ,/b", ",/a", "a/,", "/a/b/", "a/b ;", "a /b", "a/. /b", "a/ ./b", "...", ". .", "'.", "x/'..'", "x/^./y",
            "a\\b", "a\\.\\b", "/", "//", "a//b", "12.99", "a.b/c", "\t/x", "x/\t/y", "é/.é", "(./)", "a/(./b",
        ]
        let sets = [TransformSet(["cmdLine", "normalizePath"]), TransformSet(["normalizePath"]), TransformSet(["urlDecodeUni", "normalizePath"])]
        for text in inputs {
            let input = ScanInput(Array(text.utf8))
            for set in sets {
                var variants = TransformCache()
                #expect(variants.value(for: set.effective(for: input), of: input) == set.apply(to: input.bytes), "\(set.bits) on \(text)")
            }
        }
        let commandPath = TransformSet(["cmdLine", "normalizePath"])
        for text in ["12 Rue de l'Église, Apt. #4", "web; Safari 18.1 / macOS 14.6", "SD/microSD, 100 W PD"] {
            #expect(commandPath.effective(for: ScanInput(Array(text.utf8))).bits & TransformSet.normalizePath == 0, "\(text)")
        }
        for text in ["'.'", "a/'/b", "a/ /b", "x/.'/y", "a\\b"] {
            #expect(commandPath.effective(for: ScanInput(Array(text.utf8))).bits & TransformSet.normalizePath != 0, "\(text)")
        }
    }

    /// Bytes that `Canonicalizer.mayChange` passes are canonical already, whatever leads they hold.
    @Test func canonicalDecodingKeepsLeadsWithoutContinuations() {
        var generator = SystemRandomNumberGenerator()
        let pool: [UInt8] = [0xC0, 0xC1, 0xE0, 0xEF, 0xBC, 0xBD, 0x80, 0x9F, 0xA0, 0xBF, 0x41, 0x61, 0x29, 0x00, 0x25, 0x26, 0x5C, 0xB2, 0x18]
        var kept = 0
        for _ in 0..<5000 {
            let bytes = (0..<Int.random(in: 1...8, using: &generator)).map { _ in pool.randomElement(using: &generator)! }
            guard !Canonicalizer.mayChange(bytes, present: ByteSet(bytes)) else { continue }
            #expect(Canonicalizer.canonical(bytes) == bytes, "\(bytes)")
            kept += 1
        }
        #expect(kept >= 500)
        // `shipping` and `tracking` decode to bytes that end in a lone E0.
        for text in ["shipping", "tracking"] {
            guard case .exactly = TransformSet.base64DecodedBytes(of: ScanInput(Array(text.utf8))) else {
                Issue.record("\(text) should decode to exactly known bytes")
                continue
            }
        }
    }
}
