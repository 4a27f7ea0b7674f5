/// Log4Shell-style JNDI lookups, after undoing the nested lookups used to hide them:
/// `${${lower:j}ndi:…}`, `${${::-j}${::-n}di:…}`, `${${env:X:-j}ndi…}`, `${upper:…}`, `${date:'j'}`.
struct JNDIInjectionDetector {
    static let protocols: [[UInt8]] = ["ldap", "ldaps", "rmi", "dns", "iiop", "corba", "nds", "nis", "http", "https"].map { Array($0.utf8) }

    static let needed = ByteSet("jndi:")

    func scan(_ input: ScanInput, into matches: inout [Match]) {
        // Resolving lookups only drops and moves bytes: without all of `jndi:` no rule below can match.
        guard Self.needed.isSubset(of: input.present.addingLowercase) else { return }
        let resolved = Self.resolveLookups(input.lower.filter { !ByteScan.isSpace($0) })
        if let offset = ByteScan.find(Array("${jndi:".utf8), in: resolved) {
            matches.append(Match(category: .jndi, rule: "jndi.lookup", message: "a JNDI lookup that makes Log4j load remote code", evidence: 0..<min(input.bytes.count, 120)))
            _ = offset
            return
        }
        for proto in Self.protocols {
            guard let offset = ByteScan.find(Array("jndi:".utf8) + proto, in: resolved), offset + 5 + proto.count < resolved.count,
                  resolved[offset + 5 + proto.count] == UInt8(ascii: ":") else { continue }
            matches.append(Match(category: .jndi, rule: "jndi.url", message: "a JNDI URL", evidence: 0..<min(input.bytes.count, 120)))
            return
        }
    }

    /// Replaces innermost `${…}` lookups with what Log4j would substitute, up to 16 rounds.
    static func resolveLookups(_ text: [UInt8]) -> [UInt8] {
        var current = text
        for _ in 0..<16 {
            var changed = false
            var output: [UInt8] = []
            output.reserveCapacity(current.count)
            var index = 0
            while index < current.count {
                if current[index] == UInt8(ascii: "$"), index + 1 < current.count, current[index + 1] == UInt8(ascii: "{"),
                   let close = current[(index + 2)..<min(current.count, index + 258)].firstIndex(where: { $0 == UInt8(ascii: "}") || $0 == UInt8(ascii: "$") }),
                   current[close] == UInt8(ascii: "}") {
                    let body = Array(current[(index + 2)..<close])
                    if let replacement = substitute(body) {
                        output.append(contentsOf: replacement)
                        index = close + 1
                        changed = true
                        continue
                    }
                }
                output.append(current[index])
                index += 1
            }
            current = output
            if !changed { break }
        }
        return current
    }

    /// `lower:x` → x, `upper:x` → x, `anything:-x` → x (default value), `date:'x'` → x; others stay.
    static func substitute(_ body: [UInt8]) -> [UInt8]? {
        if let dash = ByteScan.find(Array(":-".utf8), in: body) { return Array(body[(dash + 2)...]) }
        for prefix in [Array("lower:".utf8), Array("upper:".utf8)] where body.starts(with: prefix) { return Array(body[prefix.count...]) }
        if body.starts(with: Array("date:".utf8)) { return body.dropFirst(5).filter { $0 != UInt8(ascii: "'") } }
        return nil
    }
}
