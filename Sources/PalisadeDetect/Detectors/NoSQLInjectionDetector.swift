/// NoSQL (MongoDB-style) operator injection: a query operator arriving as an object key
/// (`{"password": {"$ne": null}}`) or in bracket form in a parameter name (`password[$ne]=`), and
/// JavaScript that breaks out of a `$where` string.
struct NoSQLInjectionDetector: InputDetector {
    let category = AttackCategory.nosql

    static let operators = WordList([
        "$ne", "$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$regex", "$where", "$exists", "$expr", "$function",
        "$accumulator", "$or", "$and", "$not", "$nor", "$elemmatch", "$type", "$size", "$all", "$mod", "$text", "$jsonschema", "$options",
    ])

    func scan(_ input: ScanInput, into matches: inout [Match]) {
        guard input.present.contains(UInt8(ascii: "$")) || input.present.contains(UInt8(ascii: "|")) || input.present.contains(UInt8(ascii: ";")) else { return }
        let text = input.lower
        if input.isKey {
            if Self.operators.contains(text[...]) {
                matches.append(Match(category: .nosql, rule: "nosql.operator-key", message: "a query operator sent as an object key", evidence: 0..<text.count))
                return
            }
            // `user[$ne]`, `filter[$where]`: frameworks such as qs and PHP turn these into nested objects.
            for open in ByteScan.all(Array("[$".utf8), in: text) {
                guard let close = text[open...].firstIndex(of: UInt8(ascii: "]")) else { continue }
                if Self.operators.contains(text[(open + 1)..<close]) {
                    matches.append(Match(category: .nosql, rule: "nosql.operator-key", message: "a query operator in a bracketed parameter name", evidence: open..<close + 1))
                    return
                }
            }
            return
        }
        // `'; return true; var x='`, `' || '1'=='1`: leaving a $where string to add JavaScript logic.
        for pattern in [Array("return true".utf8), Array("|| 1==1".utf8), Array("||1==1".utf8), Array("' || '".utf8), Array("this.".utf8)] {
            guard let offset = ByteScan.find(pattern, in: text) else { continue }
            let before = text[..<offset].last(where: { !ByteScan.isSpace($0) })
            if pattern == Array("this.".utf8) {
                guard ByteScan.find(Array("$where".utf8), in: text) != nil || ByteScan.find(Array("sleep(".utf8), in: text) != nil else { continue }
            } else if before != UInt8(ascii: ";") && before != UInt8(ascii: "'") && before != UInt8(ascii: "\"") && !pattern.starts(with: [UInt8(ascii: "|")]) && pattern.first != UInt8(ascii: "'") {
                continue
            }
            matches.append(Match(category: .nosql, rule: "nosql.where-injection", message: "JavaScript logic aimed at a $where clause", evidence: max(0, offset - 4)..<min(text.count, offset + 30)))
            return
        }
        if let offset = ByteScan.find(Array("$where".utf8), in: text) ?? ByteScan.find(Array("$function".utf8), in: text) {
            matches.append(Match(category: .nosql, rule: "nosql.server-side-js", message: "a query operator that runs JavaScript on the database", evidence: offset..<min(text.count, offset + 40)))
        }
    }
}
