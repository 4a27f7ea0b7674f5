/// Base64 (standard and URL-safe alphabets, padding optional) for bodies and records the trigger
/// marks as encoded. Returns nil for text that is not base64, so the caller keeps the raw value.
enum Base64 {
    /// The 6-bit value of a base64 byte of either alphabet (0xFF for any other byte), worked out
    /// rather than read from a table: the gate asks for every 8-letter word, and a global table costs
    /// a lazy-initialisation check and reference counting per call.
    @inline(__always)
    static func value(of byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte &- UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte &- UInt8(ascii: "a") &+ 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0") &+ 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: 0xFF
        }
    }

    static func decode(_ input: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        return forEachDecodedByte(of: input) { output.append($0) } ? output : nil
    }

    /// Calls `body` with each byte `decode` would return, without building the output; returns
    /// false when the text is not base64 (after calling `body` for the bytes before the fault).
    @inline(__always)
    static func forEachDecodedByte(of input: some Collection<UInt8>, _ body: (UInt8) -> Void) -> Bool {
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in input {
            switch byte {
            case UInt8(ascii: "="):
                padding += 1
                continue
            case 0x20, 0x0A, 0x0D, 0x09:
                continue
            default:
                break
            }
            let value = Self.value(of: byte)
            guard value != 0xFF, padding == 0 else { return false }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                body(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return padding <= 2 && bits < 6
    }
}
