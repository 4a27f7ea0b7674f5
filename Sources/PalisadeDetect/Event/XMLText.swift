/// Text nodes and attribute values of an XML body, which XML parsers hand to the function one by one
/// (CRS's `XML:/*` and `XML://@*`). A tolerant scan, not a parser: malformed markup still yields text.
enum XMLText {
    static func values(_ body: [UInt8]) -> [[UInt8]] {
        var values: [[UInt8]] = []
        var index = 0
        while index < body.count, values.count < 4096 {
            if body[index] == UInt8(ascii: "<") {
                let end = body[index...].firstIndex(of: UInt8(ascii: ">")) ?? body.count
                values.append(contentsOf: attributeValues(body[index..<end]))
                index = end + 1
                continue
            }
            let end = body[index...].firstIndex(of: UInt8(ascii: "<")) ?? body.count
            let text = body[index..<end].drop(while: ByteScan.isSpace)
            if !text.isEmpty { values.append(Array(text.reversed().drop(while: ByteScan.isSpace).reversed())) }
            index = end
        }
        return values
    }

    private static func attributeValues(_ tag: ArraySlice<UInt8>) -> [[UInt8]] {
        var values: [[UInt8]] = []
        var index = tag.startIndex
        while index < tag.endIndex {
            let byte = tag[index]
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"), index > tag.startIndex, tag[tag.index(before: index)] == UInt8(ascii: "=") else {
                index += 1
                continue
            }
            let close = tag[(index + 1)...].firstIndex(of: byte) ?? tag.endIndex
            values.append(Array(tag[(index + 1)..<close]))
            index = close + 1
        }
        return values
    }
}
