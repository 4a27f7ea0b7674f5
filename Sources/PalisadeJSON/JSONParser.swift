/// Recursive-descent parser that writes the tape; recursion is bounded by `JSONLimits.maxDepth`.
struct JSONParser {
    let limits: JSONLimits
    var nodes: [JSONNode] = []
    var position = 0

    init(limits: JSONLimits) {
        self.limits = limits
    }

    mutating func parseDocument(_ input: UnsafeBufferPointer<UInt8>) throws(JSONError) -> [JSONNode] {
        nodes.reserveCapacity(max(8, input.count / 8))
        skipWhitespace(input)
        guard position < input.count else { throw JSONError(.empty, offset: 0, "no JSON value") }
        try parseValue(input, depth: 0)
        skipWhitespace(input)
        guard position == input.count else {
            throw JSONError(.trailingBytes, offset: position, "bytes after the JSON value")
        }
        return nodes
    }

    private mutating func skipWhitespace(_ input: UnsafeBufferPointer<UInt8>) {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(_ input: UnsafeBufferPointer<UInt8>, depth: Int) throws(JSONError) {
        guard position < input.count else { throw JSONError(.unexpectedEnd, offset: position, "expected a value") }
        switch input[position] {
        case UInt8(ascii: "{"): try parseContainer(input, depth: depth, kind: .object)
        case UInt8(ascii: "["): try parseContainer(input, depth: depth, kind: .array)
        case UInt8(ascii: "\""): try parseString(input)
        case UInt8(ascii: "t"): try parseLiteral(input, "true", .true)
        case UInt8(ascii: "f"): try parseLiteral(input, "false", .false)
        case UInt8(ascii: "n"): try parseLiteral(input, "null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber(input)
        default:
            throw JSONError(.unexpectedByte, offset: position, "unexpected byte 0x\(String(input[position], radix: 16)) where a value should start")
        }
    }

    private mutating func parseContainer(_ input: UnsafeBufferPointer<UInt8>, depth: Int, kind: JSONKind) throws(JSONError) {
        guard depth < limits.maxDepth else {
            throw JSONError(.tooDeep, offset: position, "nesting deeper than \(limits.maxDepth)")
        }
        let index = nodes.count
        let start = position
        nodes.append(JSONNode(kind: kind, hasEscapes: false, start: UInt32(start), end: 0, next: 0, count: 0))
        let close = kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        position += 1
        skipWhitespace(input)
        var count: UInt32 = 0
        if position < input.count, input[position] == close {
            position += 1
        } else {
            while true {
                if kind == .object {
                    guard position < input.count else { throw JSONError(.unexpectedEnd, offset: position, "unterminated object") }
                    guard input[position] == UInt8(ascii: "\"") else {
                        throw JSONError(.unexpectedByte, offset: position, "object key must be a string")
                    }
                    try parseString(input)
                    skipWhitespace(input)
                    guard position < input.count, input[position] == UInt8(ascii: ":") else {
                        throw JSONError(position < input.count ? .unexpectedByte : .unexpectedEnd, offset: position, "expected ':' after object key")
                    }
                    position += 1
                    skipWhitespace(input)
                }
                try parseValue(input, depth: depth + 1)
                count += 1
                skipWhitespace(input)
                guard position < input.count else {
                    throw JSONError(.unexpectedEnd, offset: position, kind == .object ? "unterminated object" : "unterminated array")
                }
                let byte = input[position]
                position += 1
                if byte == close { break }
                guard byte == UInt8(ascii: ",") else {
                    throw JSONError(.unexpectedByte, offset: position - 1, "expected ',' or '\(Character(Unicode.Scalar(close)))'")
                }
                skipWhitespace(input)
            }
        }
        nodes[index].end = UInt32(position)
        nodes[index].next = UInt32(nodes.count)
        nodes[index].count = count
    }

    private mutating func parseString(_ input: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        let start = position + 1
        var cursor = start
        var hasEscapes = false
        while true {
            guard cursor < input.count else { throw JSONError(.unexpectedEnd, offset: cursor, "unterminated string") }
            let byte = input[cursor]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                cursor = Self.skipEscapeDense(input, from: cursor)
                continue
            }
            if byte < 0x20 {
                throw JSONError(.invalidString, offset: cursor, "control byte 0x\(String(byte, radix: 16)) inside a string")
            }
            cursor += 1
            // After a plain byte, whole words of plain bytes are skipped, and a word with a quote,
            // backslash or control byte moves the cursor straight onto the first of them (the flags
            // are exact). Only a plain byte tries a word: on escape-dense text the byte loop's
            // branches predict well, and a failed try per escape would cost more.
            while cursor + 8 <= input.count {
                let word = ByteWord.load(UnsafeRawPointer(input.baseAddress! + cursor))
                let special = ByteWord.equal(word, UInt8(ascii: "\"")) | ByteWord.equal(word, UInt8(ascii: "\\")) | ByteWord.less(word, than: 0x20)
                guard special == 0 else {
                    cursor += special.trailingZeroBitCount >> 3
                    break
                }
                cursor += 8
            }
        }
        nodes.append(JSONNode(kind: .string, hasEscapes: hasEscapes, start: UInt32(start), end: UInt32(cursor), next: UInt32(nodes.count + 1), count: 0))
        position = cursor + 1
    }

    /// From the backslash at `start`, skips whole 64-byte blocks of string body without a branch
    /// per escape: an escape-dense string (a JSON body inside a string) otherwise mispredicts one
    /// branch per escape. Escaped bytes are found as simdjson does, from the runs of backslashes.
    /// Returns where the byte loop goes on as it would have: at the first unescaped quote or
    /// control byte, or else past the last whole block (and past a byte the block escapes); past
    /// the escape alone when no whole block is left.
    private static func skipEscapeDense(_ input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard start + 64 <= input.count else { return start + 2 }
        let evenBits: UInt64 = 0x5555_5555_5555_5555
        var block = start
        var escapedCarry: UInt64 = 0
        while block + 64 <= input.count {
            var backslashes: UInt64 = 0
            var terminators: UInt64 = 0
            let base = UnsafeRawPointer(input.baseAddress! + block)
            for word in 0..<8 {
                let bytes = ByteWord.load(base + word * 8)
                let backslash = ByteWord.equal(bytes, UInt8(ascii: "\\"))
                let terminator = ByteWord.equal(bytes, UInt8(ascii: "\"")) | ByteWord.less(bytes, than: 0x20)
                backslashes |= Self.packed(backslash) << UInt64(word * 8)
                terminators |= Self.packed(terminator) << UInt64(word * 8)
            }
            let startEdges = backslashes & ~(backslashes << 1)
            let evenStartMask = evenBits ^ escapedCarry
            let evenStarts = startEdges & evenStartMask
            let oddStarts = startEdges & ~evenStartMask
            let evenCarries = backslashes &+ evenStarts
            var (oddCarries, endsOdd) = backslashes.addingReportingOverflow(oddStarts)
            oddCarries |= escapedCarry
            let escaped = (evenCarries & ~backslashes & ~evenBits) | (oddCarries & ~backslashes & evenBits)
            let unescaped = terminators & ~escaped
            if unescaped != 0 { return block + unescaped.trailingZeroBitCount }
            escapedCarry = endsOdd ? 1 : 0
            block += 64
        }
        return block + Int(escapedCarry)
    }

    /// The flags of `ByteWord` (top bit of each flagged byte) as eight bits, byte `i` as bit `i`.
    @inline(__always)
    private static func packed(_ flags: UInt64) -> UInt64 {
        ((flags >> 7) &* 0x0102_0408_1020_4080) >> 56
    }

    private mutating func parseLiteral(_ input: UnsafeBufferPointer<UInt8>, _ word: StaticString, _ kind: JSONKind) throws(JSONError) {
        let length = word.utf8CodeUnitCount
        guard position + length <= input.count else { throw JSONError(.unexpectedEnd, offset: position, "truncated literal") }
        let matches = word.withUTF8Buffer { expected in
            (0..<length).allSatisfy { input[position + $0] == expected[$0] }
        }
        guard matches else { throw JSONError(.invalidLiteral, offset: position, "invalid literal") }
        nodes.append(JSONNode(kind: kind, hasEscapes: false, start: UInt32(position), end: UInt32(position + length), next: UInt32(nodes.count + 1), count: 0))
        position += length
    }

    private mutating func parseNumber(_ input: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        let start = position
        func isDigit(_ index: Int) -> Bool {
            index < input.count && input[index] >= UInt8(ascii: "0") && input[index] <= UInt8(ascii: "9")
        }
        if input[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else { throw JSONError(.invalidNumber, offset: position, "expected a digit") }
        if input[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < input.count, input[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { throw JSONError(.invalidNumber, offset: position, "expected a digit after '.'") }
            while isDigit(position) { position += 1 }
        }
        if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") { position += 1 }
            guard isDigit(position) else { throw JSONError(.invalidNumber, offset: position, "expected a digit in the exponent") }
            while isDigit(position) { position += 1 }
        }
        nodes.append(JSONNode(kind: .number, hasEscapes: false, start: UInt32(start), end: UInt32(position), next: UInt32(nodes.count + 1), count: 0))
    }
}
