/// Base64 (standard and URL-safe alphabets, padding optional) for bodies and records the trigger
/// marks as encoded. Returns nil for text that is not base64, so the caller keeps the raw value.
enum Base64 {
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    static func decode(_ input: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        return forEachDecodedByte(of: input) { output.append($0) } ? output : nil
    }

    /// Calls `body` with each byte `decode` would return, without building the output; returns
    /// false when the text is not base64 (after calling `body` for the bytes before the fault).
    @inline(__always)
    static func forEachDecodedByte(of input: some Collection<UInt8>, _ body: (UInt8) -> Void) -> Bool {
        let table = self.table
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
            let value = table[Int(byte)]
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
