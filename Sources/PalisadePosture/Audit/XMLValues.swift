import Foundation

/// The text of every element of an XML document, by element name, in document order; and, for
/// repeated elements such as S3's `Grant`, the texts inside each occurrence kept together.
///
/// The AWS answers `audit` reads (IAM's query API, S3) are plain element trees, so a small reader over
/// the bytes does: elements by qualified name, attributes skipped, the five named entities and
/// character references decoded, CDATA kept as text, comments, processing instructions and DOCTYPE
/// skipped. (FoundationXML would link libxml2 and ICU into every command.)
struct XMLValues {
    private(set) var values: [String: [String]] = [:]
    /// One entry per `record` element: the texts of the elements inside it, by name.
    private(set) var records: [[String: String]] = []

    init(_ data: Data, record: String? = nil) {
        var reader = Reader(record: record)
        data.withUnsafeBytes { reader.read(Array($0.bindMemory(to: UInt8.self))) }
        values = reader.values
        records = reader.records
    }

    subscript(name: String) -> [String] { values[name] ?? [] }

    /// The text since the last tag, as in an event parser: an element's value is the text after its
    /// last child, so a parent of elements has an empty value.
    private struct Reader {
        let record: String?
        var values: [String: [String]] = [:]
        var records: [[String: String]] = []
        var current: [String: String]?
        var text: [UInt8] = []

        init(record: String?) {
            self.record = record
        }

        mutating func read(_ bytes: [UInt8]) {
            var index = 0
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<") else {
                    text.append(bytes[index])
                    index += 1
                    continue
                }
                if Self.has(bytes, "<!--", at: index) {
                    index = Self.end(of: "-->", in: bytes, from: index + 4)
                } else if Self.has(bytes, "<![CDATA[", at: index) {
                    let close = Self.find("]]>", in: bytes, from: index + 9) ?? bytes.count
                    // Kept apart from entity decoding: CDATA's `&` is literal.
                    text += Self.escapeAmpersands(bytes[(index + 9)..<close])
                    index = min(close + 3, bytes.count)
                } else if Self.has(bytes, "<?", at: index) {
                    index = Self.end(of: "?>", in: bytes, from: index + 2)
                } else if Self.has(bytes, "<!", at: index) {
                    index = Self.end(of: ">", in: bytes, from: index + 2)
                } else if Self.has(bytes, "</", at: index) {
                    let close = Self.find(">", in: bytes, from: index + 2) ?? bytes.count
                    end(Self.name(bytes[(index + 2)..<close]))
                    index = min(close + 1, bytes.count)
                } else {
                    let close = Self.tagEnd(bytes, from: index + 1)
                    let name = Self.name(bytes[(index + 1)..<close])
                    start(name)
                    if close > index + 1, bytes[close - 1] == UInt8(ascii: "/") { end(name) }
                    index = min(close + 1, bytes.count)
                }
            }
        }

        mutating func start(_ name: String) {
            if name == record { current = [:] }
            text = []
        }

        mutating func end(_ name: String) {
            let value = Self.decode(text).trimmingCharacters(in: .whitespacesAndNewlines)
            values[name, default: []].append(value)
            if name == record, let finished = current {
                records.append(finished)
                current = nil
            } else {
                current?[name] = value
            }
            text = []
        }

        static func has(_ bytes: [UInt8], _ prefix: StaticString, at index: Int) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return (0..<count).allSatisfy { bytes[index + $0] == prefix.utf8Start[$0] }
        }

        static func find(_ needle: StaticString, in bytes: [UInt8], from start: Int) -> Int? {
            var index = start
            while index < bytes.count {
                if has(bytes, needle, at: index) { return index }
                index += 1
            }
            return nil
        }

        /// The index just past `needle`, or the end of the document.
        static func end(of needle: StaticString, in bytes: [UInt8], from start: Int) -> Int {
            find(needle, in: bytes, from: start).map { $0 + needle.utf8CodeUnitCount } ?? bytes.count
        }

        /// The `>` closing a start tag, skipping quoted attribute values (which may hold `>`).
        static func tagEnd(_ bytes: [UInt8], from start: Int) -> Int {
            var quote: UInt8?
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: ">") {
                    return index
                }
                index += 1
            }
            return bytes.count
        }

        /// The tag's name: up to the first space, `/` or the end.
        static func name(_ tag: ArraySlice<UInt8>) -> String {
            let stop = tag.firstIndex { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == UInt8(ascii: "/") } ?? tag.endIndex
            return String(decoding: tag[tag.startIndex..<stop], as: UTF8.self)
        }

        static func escapeAmpersands(_ raw: ArraySlice<UInt8>) -> [UInt8] {
            raw.flatMap { $0 == UInt8(ascii: "&") ? Array("&amp;".utf8) : [$0] }
        }

        /// Text with `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#…;` `&#x…;` replaced; an unknown
        /// entity stays as written.
        static func decode(_ text: [UInt8]) -> String {
            guard text.contains(UInt8(ascii: "&")) else { return String(decoding: text, as: UTF8.self) }
            var result = ""
            var index = 0
            var plain = 0
            while index < text.count {
                guard text[index] == UInt8(ascii: "&"), let semicolon = text[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                    index += 1
                    continue
                }
                let entity = String(decoding: text[(index + 1)..<semicolon], as: UTF8.self)
                let replacement: String? = switch entity {
                case "lt": "<"
                case "gt": ">"
                case "amp": "&"
                case "quot": "\""
                case "apos": "'"
                default: characterReference(entity)
                }
                guard let replacement else {
                    index += 1
                    continue
                }
                result += String(decoding: text[plain..<index], as: UTF8.self) + replacement
                index = semicolon + 1
                plain = index
            }
            return result + String(decoding: text[plain...], as: UTF8.self)
        }

        static func characterReference(_ entity: String) -> String? {
            guard entity.hasPrefix("#") else { return nil }
            let digits = entity.dropFirst()
            let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
    }
}
