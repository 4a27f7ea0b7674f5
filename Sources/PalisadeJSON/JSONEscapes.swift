/// JSON string escapes, decoded and written.
public enum JSONEscapes {
    /// Decodes backslash escapes; `\uXXXX` pairs become UTF-8, a lone surrogate becomes U+FFFD, and an
    /// unknown escape keeps its character (lenient, because attackers rely on strict decoders differing).
    public static func unescape(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        // No escape is longer decoded than written, so the output fits in the input's length; it is
        // written through a pointer, as `append` costs a uniqueness check per byte.
        [UInt8](unsafeUninitializedCapacity: input.count) { output, count in
            var written = 0
            var index = 0
            while index < input.count {
                let byte = input[index]
                if byte != UInt8(ascii: "\\") {
                    // A run without a backslash moves eight bytes at a time (`written <= index`, so a
                    // whole word fits). Only a plain byte tries a word: on escape-dense text the byte
                    // loop's branches predict well, and a failed try per escape would cost more.
                    if index + 8 <= input.count {
                        let word = ByteWord.load(UnsafeRawPointer(input.baseAddress! + index))
                        if ByteWord.equal(word, UInt8(ascii: "\\")) == 0 {
                            ByteWord.store(word, to: UnsafeMutableRawPointer(output.baseAddress! + written))
                            index += 8
                            written += 8
                            continue
                        }
                    }
                    output[written] = byte
                    written += 1
                    index += 1
                    continue
                }
                guard index + 1 < input.count else {
                    output[written] = UInt8(ascii: "\\")
                    written += 1
                    break
                }
                let escape = input[index + 1]
                index += 2
                switch escape {
                case UInt8(ascii: "n"): output[written] = 0x0A
                case UInt8(ascii: "t"): output[written] = 0x09
                case UInt8(ascii: "r"): output[written] = 0x0D
                case UInt8(ascii: "b"): output[written] = 0x08
                case UInt8(ascii: "f"): output[written] = 0x0C
                case UInt8(ascii: "u"):
                    guard let high = hex4(input, at: index) else {
                        output[written] = UInt8(ascii: "\\")
                        output[written + 1] = UInt8(ascii: "u")
                        written += 2
                        continue
                    }
                    index += 4
                    var scalar = high
                    if (0xD800...0xDBFF).contains(high) {
                        if index + 6 <= input.count, input[index] == UInt8(ascii: "\\"), input[index + 1] == UInt8(ascii: "u"),
                           let low = hex4(input, at: index + 2), (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            index += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(high) {
                        scalar = 0xFFFD
                    }
                    written += writeUTF8(scalar, to: output.baseAddress! + written)
                    continue
                default: output[written] = escape
                }
                written += 1
            }
            count = written
        }
    }

    /// Writes `scalar` as UTF-8 at `target`; returns the bytes written (1 to 4).
    static func writeUTF8(_ scalar: UInt32, to target: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            target[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            target[0] = UInt8(0xC0 | scalar >> 6)
            target[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            target[0] = UInt8(0xE0 | scalar >> 12)
            target[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            target[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            target[0] = UInt8(0xF0 | scalar >> 18 & 0x07)
            target[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            target[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            target[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    static func hex4(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32? {
        guard index + 4 <= input.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = hexValue(input[index + offset]) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    @inlinable
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    public static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18 & 0x07))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Appends `bytes` as the body of a JSON string (without quotes), escaping what JSON requires.
    public static func appendEscaped(_ bytes: some Sequence<UInt8>, to output: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                // Escaped so that evidence pasted into HTML can never become markup.
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
    }

    /// A JSON string literal, quotes included; invalid UTF-8 is replaced so the output is always valid.
    public static func quoted(_ text: String) -> String {
        var output: [UInt8] = [UInt8(ascii: "\"")]
        appendEscaped(text.utf8, to: &output)
        output.append(UInt8(ascii: "\""))
        return String(decoding: output, as: UTF8.self)
    }
}
