/// NoSQL (MongoDB-style) operator injection: a query operator arriving as an object key
/// (`{"password": {"$ne": null}}`) or in bracket form in a parameter name (`password[$ne]=`), and
/// JavaScript that breaks out of a `$where` string.
struct NoSQLInjectionDetector {
    static let operators = WordList([
        "$ne", "$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$regex", "$where", "$exists", "$expr", "$function",
        "$accumulator", "$or", "$and", "$not", "$nor", "$elemmatch", "$type", "$size", "$all", "$mod", "$text", "$jsonschema", "$options",
    ])

    static let gate = ByteSet("$|;")
    static let bracketOpen = Array("[$".utf8)
    static let thisPattern = Array("this.".utf8)
    /// JavaScript that leaves a `$where` string; `this.` counts only beside `$where` or `sleep(`.
    static let wherePatterns = [Array("return true".utf8), Array("|| 1==1".utf8), Array("||1==1".utf8), Array("' || '".utf8), thisPattern]
    static let whereOperator = Array("$where".utf8)
    static let sleepCall = Array("sleep(".utf8)
    static let functionOperator = Array("$function".utf8)
    static let dollarOrBar = ByteSet("$|")
    static let returnTrueBytes = ByteSet("return true")
    static let thisSleepBytes = ByteSet("this.sleep(")

    func scan(_ input: ScanInput, into matches: inout [Match]) {
        guard input.present.intersects(Self.gate) else { return }
        let text = input.lower
        if input.isKey {
            if Self.operators.contains(text[...]) {
                matches.append(Match(category: .nosql, rule: "nosql.operator-key", message: "a query operator sent as an object key", evidence: 0..<text.count))
                return
            }
            // `user[$ne]`, `filter[$where]`: frameworks such as qs and PHP turn these into nested objects.
            for open in ByteScan.all(Self.bracketOpen, in: text) {
                guard let close = text[open...].firstIndex(of: UInt8(ascii: "]")) else { continue }
                if Self.operators.contains(text[(open + 1)..<close]) {
                    matches.append(Match(category: .nosql, rule: "nosql.operator-key", message: "a query operator in a bracketed parameter name", evidence: open..<close + 1))
                    return
                }
            }
            return
        }
        // Every pattern below holds a `$` or `|`, or the bytes of `return true` (`this.` counts only
        // with `$where` or `sleep(`).
        let lowered = input.present.addingLowercase
        guard lowered.intersects(Self.dollarOrBar) || Self.returnTrueBytes.isSubset(of: lowered) || Self.thisSleepBytes.isSubset(of: lowered) else { return }
        // `'; return true; var x='`, `' || '1'=='1`: leaving a $where string to add JavaScript logic.
        for pattern in Self.wherePatterns {
            guard let offset = ByteScan.find(pattern, in: text) else { continue }
            let before = text[..<offset].last(where: { !ByteScan.isSpace($0) })
            if pattern == Self.thisPattern {
                guard ByteScan.find(Self.whereOperator, in: text) != nil || ByteScan.find(Self.sleepCall, in: text) != nil else { continue }
            } else if before != UInt8(ascii: ";") && before != UInt8(ascii: "'") && before != UInt8(ascii: "\"") && !pattern.starts(with: [UInt8(ascii: "|")]) && pattern.first != UInt8(ascii: "'") {
                continue
            }
            matches.append(Match(category: .nosql, rule: "nosql.where-injection", message: "JavaScript logic aimed at a $where clause", evidence: max(0, offset - 4)..<min(text.count, offset + 30)))
            return
        }
        if let offset = ByteScan.find(Self.whereOperator, in: text) ?? ByteScan.find(Self.functionOperator, in: text) {
            matches.append(Match(category: .nosql, rule: "nosql.server-side-js", message: "a query operator that runs JavaScript on the database", evidence: offset..<min(text.count, offset + 40)))
        }
    }
}
