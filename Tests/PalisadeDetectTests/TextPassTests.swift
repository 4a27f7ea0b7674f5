@testable import PalisadeDetect
import Testing

/// The automaton passes over text made as it is read must find what passes over the built text
/// find, and the shortcuts in an input's transformation traits must agree with the transformations.
@Suite struct TextPassTests {
    /// Corpus values, crafted ones with the bytes the streamed transformations treat specially, and
    /// random mixtures of those bytes.
    static func values() throws -> [[UInt8]] {
        let crafted = [
            "", " ", "  ", "a", ".", "..", "'.'", "a.", "12.99", "a..b", "x , ;y", " /x", "a  (b", "a ,/b", "a\t\n\r b", "\u{A0}x \u{A0} y",
            "Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!", "web; Safari 18.1 / macOS 14.6",
            "c\"a't /etc/passwd", "UNION  SELECT\tA,B /* x */ FROM T", "..\\..\\Windows\\System32", "; ls -la ;", "s^l\\e\"e'p 5",
        ].map { Array($0.utf8) }
        let alphabet = Array("aZ09 \t\n\r,;\\\"'^/().*x".utf8) + [0x0B, 0x0C, 0xA0]
        var generator = SeededRandom(seed: 0x9E37_79B9_7F4A_7C15)
        var random: [[UInt8]] = []
        for length in 0..<400 {
            var value: [UInt8] = []
            for _ in 0..<(length % 23) { value.append(alphabet[generator.next(below: alphabet.count)]) }
            random.append(value)
        }
        return try CRSCorpus.inputValues().map { Array($0.utf8) } + crafted + random
    }

    static let streamed: [UInt16] = [
        TransformSet.lowercase | TransformSet.removeWhitespace, TransformSet.lowercase | TransformSet.compressWhitespace,
        TransformSet.lowercase | TransformSet.commandLine,
    ]

    static func collect(_ kind: TransformSet.Stream.Kind, of bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { bytes in
            var stream = TransformSet.Stream(bytes, kind: kind)
            var output: [UInt8] = []
            while let byte = stream.next() { output.append(byte) }
            return output
        }
    }

    @Test func streamsGiveTheBuiltVariants() throws {
        for value in try Self.values() {
            let input = ScanInput(value)
            var variants = TransformCache()
            #expect(Self.collect(.plain, of: input.lower) == input.lower)
            for bits in Self.streamed {
                let text = TransformSet(bits: bits)
                let kind = try #require(text.streamKind)
                #expect(Self.collect(kind, of: input.lower) == variants.value(for: text, of: input), "\(bits) on \(String(decoding: value, as: UTF8.self))")
            }
        }
    }

    @Test func streamedPassesFindWhatPassesOverBuiltTextFind() throws {
        let automaton = CRSRulePack.shared.automaton
        let values = try Self.values()
        var hits = NeedleHits(patternCount: automaton.patternCount), otherHits = NeedleHits(patternCount: automaton.patternCount)
        var found = 0
        for (index, value) in values.enumerated() {
            let input = ScanInput(value), other = ScanInput(values[(index * 7 + 3) % values.count])
            var variants = TransformCache(), otherVariants = TransformCache()
            let text = TransformSet(bits: Self.streamed[index % 3]), otherText = TransformSet(bits: Self.streamed[(index + 1) % 3])
            let single = automaton.firstOccurrences(in: variants.value(for: text, of: input))
            let otherSingle = automaton.firstOccurrences(in: otherVariants.value(for: otherText, of: other))
            input.lower.withUnsafeBufferPointer { bytes in
                other.lower.withUnsafeBufferPointer { otherBytes in
                    var stream = TransformSet.Stream(bytes, kind: text.streamKind!)
                    automaton.firstOccurrences(streaming: &stream, into: &hits)
                    #expect(hits.ids == single.ids && hits.starts == single.starts, "\(String(decoding: value, as: UTF8.self))")
                    // A streamed text beside a plain one, of different lengths, either one longer.
                    stream = TransformSet.Stream(bytes, kind: text.streamKind!)
                    var otherStream = TransformSet.Stream(otherBytes, kind: index % 2 == 0 ? otherText.streamKind! : .plain)
                    automaton.firstOccurrences(streaming: &stream, into: &hits, and: &otherStream, into: &otherHits)
                }
            }
            let otherExpected = index % 2 == 0 ? otherSingle : automaton.firstOccurrences(in: other.lower)
            #expect(hits.ids == single.ids && hits.starts == single.starts, "\(String(decoding: value, as: UTF8.self))")
            #expect(otherHits.ids == otherExpected.ids && otherHits.starts == otherExpected.starts)
            found += single.ids.count
        }
        #expect(found > 100)
    }

    @Test func constantByteSetsAreSpelledRight() {
        func same(_ first: ByteSet, _ second: ByteSet) -> Bool { first.isSubset(of: second) && second.isSubset(of: first) }
        #expect(same(TransformSet.commandLineDropBytes, ByteSet("\\\"'^,;\t\n\r")))
        #expect(same(TransformSet.spaceBytes, ByteSet(" \t\n\r").adding(0x0B).adding(0x0C).adding(0xA0)))
        #expect(same(TransformSet.otherSpaceBytes, ByteSet("\t\n\r").adding(0x0B).adding(0x0C).adding(0xA0)))
        #expect(same(TransformSet.pathSeparatorBytes, ByteSet("/\\")))
        #expect(same(TransformSet.base64Bytes, ByteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= \t\n\r")))
    }

    @Test func pathTraitAgreesWithTheFullCheck() throws {
        for value in try Self.values() + [Array("./".utf8), Array("a.b".utf8), Array(".a".utf8)] {
            let traits = ScanInput(value).transformTraits, bytes = ScanInput(value).bytes
            let expected = traits.unchanging & TransformSet.normalizePath != 0 || !TransformSet.normalizePathChanges(bytes)
            #expect(traits.pathIsNormal == expected, "\(String(decoding: value, as: UTF8.self))")
            if traits.pathIsNormal { #expect(TransformSet.normalizePath(bytes) == bytes) }
        }
    }
}
