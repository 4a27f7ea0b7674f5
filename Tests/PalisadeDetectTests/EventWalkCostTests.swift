@testable import PalisadeDetect
import PalisadeJSON
import Testing

/// The event walk's shortcuts must agree with what they replace: the parser's 64-byte blocks for an
/// escape-dense string with its byte loop, and the short-input digest's word reads with the bytes.
@Suite struct EventWalkCostTests {
    enum Outcome: Equatable {
        case string(Range<Int>)
        case failure(JSONError.Code, offset: Int)
    }

    /// What the parser made of a document that is one string, as the byte loop reads it: a backslash
    /// takes the next byte whatever it is, a quote ends the string, a control byte is an error.
    static func expected(_ bytes: [UInt8]) -> Outcome {
        var cursor = 1
        while true {
            guard cursor < bytes.count else { return .failure(.unexpectedEnd, offset: cursor) }
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                cursor += 2
                continue
            }
            if byte < 0x20 { return .failure(.invalidString, offset: cursor) }
            cursor += 1
        }
        var after = cursor + 1
        while after < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[after]) { after += 1 }
        return after == bytes.count ? .string(1..<cursor) : .failure(.trailingBytes, offset: after)
    }

    static func parsed(_ bytes: [UInt8]) -> Outcome {
        do throws(JSONError) {
            return .string(try JSONDocument(bytes: bytes).root.span)
        } catch {
            return .failure(error.code, offset: error.offset)
        }
    }

    /// Strings that open with an escape and go on for more than a block, with backslash runs of
    /// every length, quotes, control bytes and UTF-8 falling anywhere in and across the blocks.
    @Test(arguments: 0..<8)
    func escapeDenseStringsEndWhereTheByteLoopEnds(seed: Int) {
        var generator = SeededRandom(seed: UInt64(seed))
        let alphabet: [UInt8] = [0x5C, 0x5C, 0x5C, 0x22, 0x0A, 0x1F, 0xC3, 0xA9, 0x20, 0x61, 0x2F]
        for _ in 0..<2_000 {
            let length = Int.random(in: 60...300, using: &generator)
            // How often a byte is special and how many of the specials may be picked, so that some
            // strings are nothing but backslashes and others have one escape in a long plain run.
            let density = Int.random(in: 0...10, using: &generator)
            let variety = Int.random(in: 1...alphabet.count, using: &generator)
            var bytes: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "\\")]
            for _ in 0..<length {
                let special = Int.random(in: 0..<10, using: &generator) < density
                bytes.append(special ? alphabet[Int.random(in: 0..<variety, using: &generator)] : UInt8(ascii: "x"))
            }
            #expect(Self.parsed(bytes) == Self.expected(bytes), "\(bytes)")
        }
    }

    /// A quote after a run of backslashes that ends just before, on or after a block's edge (blocks
    /// start at the string's first backslash, byte 1): the run's parity carries into the next block.
    @Test(arguments: [60, 61, 62, 63, 125, 126])
    func backslashRunAcrossABlockEdge(runEnd: Int) {
        for runLength in 1...6 {
            let plain = [UInt8](repeating: UInt8(ascii: "x"), count: runEnd - runLength)
            let run = [UInt8](repeating: UInt8(ascii: "\\"), count: runLength)
            // Opens with an escape, so that the string is scanned in blocks from its second byte.
            let body = [UInt8(ascii: "\\"), UInt8(ascii: "n")] + plain + run + Array("\"tail".utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: 70)
            for closing in [[UInt8(ascii: "\"")], []] {
                let bytes = [UInt8(ascii: "\"")] + body + closing
                #expect(Self.parsed(bytes) == Self.expected(bytes), "run of \(runLength) ending at \(runEnd)")
            }
        }
    }

    /// Every length a digest reads differently (one to three bytes, four to seven, whole words and
    /// an overlapping last word) finds its own input again and no other.
    @Test func digestReadsEveryLengthWhole() {
        var cache = ShortInputCache<Int>()
        var inputs: [[UInt8]] = []
        for length in 1...ShortInputKey.maxBytes {
            let base = (0..<length).map { UInt8(truncatingIfNeeded: 0x61 + $0 % 26) }
            inputs.append(base)
            // The same bytes but the last, the first, or one in the middle: each a different input.
            for position in Set([0, length / 2, length - 1]) {
                var changed = base
                changed[position] ^= 0x01
                inputs.append(changed)
            }
        }
        for (index, input) in inputs.enumerated() {
            input.withUnsafeBufferPointer { bytes in
                let digest = ShortInputKey.digest(of: bytes, isKey: false, source: .argument)!
                #expect(cache.verdict(for: bytes, isKey: false, source: .argument, digest: digest, orInsert: index) == nil)
            }
        }
        for (index, input) in inputs.enumerated() {
            input.withUnsafeBufferPointer { bytes in
                let digest = ShortInputKey.digest(of: bytes, isKey: false, source: .argument)!
                #expect(digest == ShortInputKey.digest(of: bytes, isKey: false, source: .argument))
                #expect(cache.verdict(for: bytes, isKey: false, source: .argument, digest: digest) == index)
            }
        }
    }
}
