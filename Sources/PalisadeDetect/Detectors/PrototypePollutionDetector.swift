/// Prototype pollution: `__proto__` or `constructor.prototype` arriving as keys (JSON objects, or
/// parameter names that qs-style parsers expand: `a[__proto__][admin]=1`, `__proto__.admin=1`).
struct PrototypePollutionDetector {
    /// Letters every rule's text holds (`__proto__`, `prototype`), in either case.
    static let needed = ByteSet("prot")
    /// Every rule's text holds `__proto__` or `prototype`: an underscore or a `y`.
    static let eitherKey = ByteSet("_y")
    static let protoKey = Array("__proto__".utf8)
    static let prototypeKey = Array("prototype".utf8)
    /// `prototypeKey.count` as a constant, which every input's set-up reads without a lazy global.
    static let prototypeLength = 9
    static let constructorKey = Array("constructor".utf8)
    static let constructorPaths = [Array("constructor[prototype]".utf8), Array("constructor.prototype".utf8), Array("constructor][prototype".utf8)]
    /// The letters every one of `constructorPaths` holds.
    static let constructorPathBytes = ByteSet("constructorprototype")

    func scan(_ input: ScanInput, into matches: inout [Match]) {
        let lowered = input.present.addingLowercase
        guard Self.needed.isSubset(of: lowered) else { return }
        let text = input.lower
        if lowered.contains(UInt8(ascii: "_")), let offset = ByteScan.find(Self.protoKey, in: text) {
            // As a key, or inside a path expression that a merge or `set` helper will follow.
            let boundedBefore = offset == 0 || [UInt8(ascii: "["), UInt8(ascii: "."), UInt8(ascii: "\""), UInt8(ascii: "'")].contains(text[offset - 1])
            let end = offset + 9
            let boundedAfter = end == text.count || [UInt8(ascii: "]"), UInt8(ascii: "."), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "[")].contains(text[end])
            if input.isKey || (boundedBefore && boundedAfter && text.count > 9) {
                matches.append(Match(category: .proto, rule: "proto.proto-key", message: "sets properties through __proto__", evidence: offset..<min(text.count, end + 30)))
                return
            }
        }
        if input.isKey, text == Self.prototypeKey, input.parentKey?.lowercasedASCII() == Self.constructorKey {
            matches.append(Match(category: .proto, rule: "proto.constructor-prototype", message: "sets properties through constructor.prototype", evidence: 0..<text.count))
            return
        }
        guard Self.constructorPathBytes.isSubset(of: lowered) else { return }
        for pattern in Self.constructorPaths {
            if let offset = ByteScan.find(pattern, in: text), input.isKey || text.count > pattern.count {
                matches.append(Match(category: .proto, rule: "proto.constructor-prototype", message: "sets properties through constructor.prototype", evidence: offset..<min(text.count, offset + pattern.count + 30)))
                return
            }
        }
    }
}
