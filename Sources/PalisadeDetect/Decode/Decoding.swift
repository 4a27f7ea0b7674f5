import PalisadeJSON

/// Decoders for the ways attackers wrap a payload so that a naive matcher misses it.
/// Each works on bytes, leaves what it does not understand as it was, and never fails.
enum Decoding {
    /// `%XX`, and `%uXXXX` as IIS accepted it; `+` becomes a space only where the format says so.
    static func percentDecode(_ input: [UInt8], plusIsSpace: Bool) -> [UInt8] {
        shrinking(input) { input, output in
            var index = 0
            while index < input.count {
                let byte = input[index]
                if byte == UInt8(ascii: "%") {
                    if index + 2 < input.count, let high = JSONEscapes.hexValue(input[index + 1]), let low = JSONEscapes.hexValue(input[index + 2]) {
                        output.append(high << 4 | low)
                        index += 3
                        continue
                    }
                    if index + 5 < input.count, input[index + 1] | 0x20 == UInt8(ascii: "u"), let scalar = hex(input, from: index + 2, count: 4) {
                        output.appendUTF8(fullWidthToASCII(scalar))
                        index += 6
                        continue
                    }
                    // Kept without trying a word: runs of stray `%` are what is left of stacked encodings.
                    output.append(byte)
                    index += 1
                    continue
                } else if byte == UInt8(ascii: "+"), plusIsSpace {
                    output.append(0x20)
                    index += 1
                    continue
                }
                output.appendRun(input, from: &index) { word in
                    ByteWord.equal(word, UInt8(ascii: "%")) | (plusIsSpace ? ByteWord.equal(word, UInt8(ascii: "+")) : 0)
                }
            }
        }
    }

    /// HTML character references: named ones that matter for markup and scripts, decimal and hex.
    static func htmlEntityDecode(_ input: [UInt8]) -> [UInt8] {
        shrinking(input) { input, output in
            var index = 0
            while index < input.count {
                guard input[index] == UInt8(ascii: "&"), let (scalar, length) = entity(input, at: index) else {
                    output.appendRun(input, from: &index) { ByteWord.equal($0, UInt8(ascii: "&")) }
                    continue
                }
                output.appendUTF8(scalar)
                index += length
            }
        }
    }

    private static let namedEntities: [(name: [UInt8], scalar: UInt32)] = [
        ("lt", 0x3C), ("gt", 0x3E), ("amp", 0x26), ("quot", 0x22), ("apos", 0x27), ("colon", 0x3A),
        ("lpar", 0x28), ("rpar", 0x29), ("sol", 0x2F), ("bsol", 0x5C), ("semi", 0x3B), ("equals", 0x3D),
        ("tab", 0x09), ("newline", 0x0A), ("nbsp", 0x20), ("grave", 0x60), ("num", 0x23), ("period", 0x2E),
        ("comma", 0x2C), ("excl", 0x21), ("quest", 0x3F), ("lsqb", 0x5B), ("rsqb", 0x5D), ("lcub", 0x7B), ("rcub", 0x7D),
    ].map { (Array($0.0.utf8), $0.1) }

    private static func entity(_ input: UnsafeBufferPointer<UInt8>, at start: Int) -> (UInt32, Int)? {
        var index = start + 1
        guard index < input.count else { return nil }
        if input[index] == UInt8(ascii: "#") {
            index += 1
            let isHex = index < input.count && input[index] | 0x20 == UInt8(ascii: "x")
            if isHex { index += 1 }
            var value: UInt32 = 0
            var digits = 0
            while index < input.count, digits < 8 {
                let byte = input[index]
                if isHex, let digit = JSONEscapes.hexValue(byte) {
                    value = value &* 16 &+ UInt32(digit)
                } else if !isHex, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    value = value &* 10 &+ UInt32(byte - UInt8(ascii: "0"))
                } else {
                    break
                }
                digits += 1
                index += 1
            }
            // Leading zeros are a classic padding trick (&#0000060;), so allow many digits.
            while index < input.count, digits >= 8, input[index] == UInt8(ascii: "0") { index += 1 }
            guard digits > 0, value < 0x110000 else { return nil }
            if index < input.count, input[index] == UInt8(ascii: ";") { index += 1 }
            return (value == 0 ? 0xFFFD : value, index - start)
        }
        for (name, scalar) in namedEntities where index + name.count <= input.count {
            var matches = true
            for offset in 0..<name.count where input[index + offset] | 0x20 != name[offset] {
                matches = false
                break
            }
            if matches {
                var end = index + name.count
                if end < input.count, input[end] == UInt8(ascii: ";") { end += 1 }
                return (scalar, end - start)
            }
        }
        return nil
    }

    /// JavaScript, Python and C style escapes inside a string: `\xNN`, `\uXXXX`, `\u{…}`, octal `\NNN`.
    static func backslashDecode(_ input: [UInt8]) -> [UInt8] {
        shrinking(input) { input, output in
            var index = 0
            while index < input.count {
                let byte = input[index]
                guard byte == UInt8(ascii: "\\"), index + 1 < input.count else {
                    output.appendRun(input, from: &index) { ByteWord.equal($0, UInt8(ascii: "\\")) }
                    continue
                }
                let kind = input[index + 1]
                if kind | 0x20 == UInt8(ascii: "x"), let value = hex(input, from: index + 2, count: 2) {
                    output.append(UInt8(value))
                    index += 4
                } else if kind | 0x20 == UInt8(ascii: "u"), let value = hex(input, from: index + 2, count: 4) {
                    output.appendUTF8(fullWidthToASCII(value))
                    index += 6
                } else if kind >= UInt8(ascii: "0"), kind <= UInt8(ascii: "3"), index + 3 < input.count,
                          (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(input[index + 2]),
                          (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(input[index + 3]) {
                    output.append((kind - 48) << 6 | (input[index + 2] - 48) << 3 | (input[index + 3] - 48))
                    index += 4
                } else {
                    output.append(byte)
                    index += 1
                }
            }
        }
    }

    /// Over-long UTF-8 forms of ASCII (`C0 AF` for `/`) and full-width forms (`％`, `／`) folded to ASCII,
    /// null bytes dropped: decoders downstream of a WAF often accept all three.
    static func normalizeBytes(_ input: [UInt8]) -> [UInt8] {
        shrinking(input) { input, output in
            var index = 0
            while index < input.count {
                let byte = input[index]
                if byte == 0 {
                    index += 1
                    continue
                }
                if byte == 0xC0 || byte == 0xC1, index + 1 < input.count, input[index + 1] & 0xC0 == 0x80 {
                    output.append((byte & 0x01) << 6 | input[index + 1] & 0x3F)
                    index += 2
                    continue
                }
                if byte == 0xE0, index + 2 < input.count, input[index + 1] & 0xE0 == 0x80, input[index + 2] & 0xC0 == 0x80 {
                    output.append((input[index + 1] & 0x01) << 6 | input[index + 2] & 0x3F)
                    index += 3
                    continue
                }
                if byte == 0xEF, index + 2 < input.count, input[index + 1] == 0xBC || input[index + 1] == 0xBD, input[index + 2] & 0xC0 == 0x80 {
                    let scalar = UInt32(byte & 0x0F) << 12 | UInt32(input[index + 1] & 0x3F) << 6 | UInt32(input[index + 2] & 0x3F)
                    let folded = fullWidthToASCII(scalar)
                    if folded < 0x80 {
                        output.append(UInt8(folded))
                        index += 3
                        continue
                    }
                }
                // Only a null byte or a byte of a multi-byte sequence can change.
                output.appendRun(input, from: &index) { ByteWord.equal($0, 0) | $0 & ByteWord.highs }
            }
        }
    }

    /// A decoder's output, written straight into a buffer of the input's length: no decoder here
    /// writes more bytes than it reads, so appending needs no reallocation or uniqueness check.
    struct ShrinkingOutput {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        var count = 0

        mutating func append(_ byte: UInt8) {
            precondition(count < capacity, "a decoder wrote more bytes than it read")
            base[count] = byte
            count += 1
        }

        /// Appends `input[index]`, which the decoder keeps as it is, then the words after it in
        /// which `special` flags no byte. Only a kept byte tries a word: on text dense with
        /// encodings the byte loop's branches predict well, and a failed try per encoding would
        /// cost more. As `count <= index` (no decoder grows), a whole word fits.
        @inline(__always)
        mutating func appendRun(_ input: UnsafeBufferPointer<UInt8>, from index: inout Int, stoppingAt special: (UInt64) -> UInt64) {
            append(input[index])
            index += 1
            while index + 8 <= input.count {
                let word = ByteWord.load(UnsafeRawPointer(input.baseAddress! + index))
                guard special(word) == 0 else { return }
                precondition(count + 8 <= capacity, "a decoder wrote more bytes than it read")
                ByteWord.store(word, to: UnsafeMutableRawPointer(base + count))
                index += 8
                count += 8
            }
        }

        mutating func appendUTF8(_ scalar: UInt32) {
            switch scalar {
            case 0..<0x80:
                append(UInt8(scalar))
            case 0x80..<0x800:
                append(UInt8(0xC0 | scalar >> 6))
                append(UInt8(0x80 | scalar & 0x3F))
            case 0x800..<0x10000:
                append(UInt8(0xE0 | scalar >> 12))
                append(UInt8(0x80 | scalar >> 6 & 0x3F))
                append(UInt8(0x80 | scalar & 0x3F))
            default:
                append(UInt8(0xF0 | scalar >> 18 & 0x07))
                append(UInt8(0x80 | scalar >> 12 & 0x3F))
                append(UInt8(0x80 | scalar >> 6 & 0x3F))
                append(UInt8(0x80 | scalar & 0x3F))
            }
        }
    }

    static func shrinking(_ input: [UInt8], _ decode: (UnsafeBufferPointer<UInt8>, inout ShrinkingOutput) -> Void) -> [UInt8] {
        guard !input.isEmpty else { return [] }
        return input.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: source.count) { buffer, count in
                var output = ShrinkingOutput(base: buffer.baseAddress!, capacity: source.count)
                decode(source, &output)
                count = output.count
            }
        }
    }

    static func fullWidthToASCII(_ scalar: UInt32) -> UInt32 {
        (0xFF01...0xFF5E).contains(scalar) ? scalar - 0xFF01 + 0x21 : scalar
    }

    static func hex(_ input: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) -> UInt32? {
        guard start + count <= input.count else { return nil }
        var value: UInt32 = 0
        for index in start..<start + count {
            guard let digit = JSONEscapes.hexValue(input[index]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
