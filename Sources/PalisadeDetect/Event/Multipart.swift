/// Just enough of multipart/form-data to hand each field and file name to the detectors.
enum Multipart {
    struct Part {
        var name: [UInt8]
        var filename: [UInt8]?
        var value: [UInt8]
    }

    /// The boundary parameter, taken from the original header so its case is kept.
    static func boundary(in lowercased: [UInt8], original: [UInt8]) -> [UInt8]? {
        let marker = Array("boundary=".utf8)
        guard let start = firstRange(of: marker, in: lowercased, from: 0)?.upperBound, start <= original.count else { return nil }
        var value = original[start...].prefix { $0 != UInt8(ascii: ";") && $0 != 0x20 }
        if value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\""), value.count >= 2 {
            value = value.dropFirst().dropLast()
        }
        return value.isEmpty ? nil : Array(value)
    }

    static func parts(_ body: [UInt8], boundary: [UInt8]) -> [Part] {
        let delimiter = Array("--".utf8) + boundary
        var parts: [Part] = []
        var cursor = 0
        guard let first = firstRange(of: delimiter, in: body, from: 0) else { return [] }
        cursor = first.upperBound
        while let next = firstRange(of: delimiter, in: body, from: cursor) {
            let section = body[cursor..<next.lowerBound]
            cursor = next.upperBound
            let separator = Array("\r\n\r\n".utf8)
            let headerEnd = firstRange(of: separator, in: Array(section), from: 0)
                ?? firstRange(of: Array("\n\n".utf8), in: Array(section), from: 0)
            guard let headerEnd else { continue }
            let sectionBytes = Array(section)
            let headers = Array(sectionBytes[..<headerEnd.lowerBound])
            var value = Array(sectionBytes[headerEnd.upperBound...])
            while let last = value.last, last == 0x0A || last == 0x0D { value.removeLast() }
            let name = parameter("name", in: headers) ?? []
            parts.append(Part(name: name, filename: parameter("filename", in: headers), value: value))
        }
        return parts
    }

    private static func parameter(_ name: String, in headers: [UInt8]) -> [UInt8]? {
        let marker = Array("; \(name)=\"".utf8)
        guard let range = firstRange(of: marker, in: headers.lowercasedASCII(), from: 0) else { return nil }
        let value = headers[range.upperBound...].prefix { $0 != UInt8(ascii: "\"") }
        return Array(value)
    }
}

/// Naive substring search; inputs here are request bodies bounded by the detector's limits.
func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Range<Int>? {
    guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
    let first = needle[0]
    var index = start
    while index <= haystack.count - needle.count {
        if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) {
            return index..<index + needle.count
        }
        index += 1
    }
    return nil
}
