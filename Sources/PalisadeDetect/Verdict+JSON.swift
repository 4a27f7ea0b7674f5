import PalisadeJSON

extension Verdict {
    /// The verdict as one line of JSON: `verdict`, `trigger`, `findings` (and `truncated` when a limit hit).
    /// `<`, `>` and `&` are escaped, so evidence pasted into a page can never become markup.
    public func jsonLine() -> String {
        var text = "{\"verdict\":\"\(isAttack ? "attack" : "clean")\",\"trigger\":\"\(trigger.rawValue)\",\"findings\":["
        for (index, finding) in findings.enumerated() {
            if index > 0 { text += "," }
            text += finding.jsonObject()
        }
        text += "]"
        if !truncated.isEmpty {
            text += ",\"truncated\":[" + truncated.map { JSONEscapes.quoted($0) }.joined(separator: ",") + "]"
        }
        return text + "}"
    }
}

extension Finding {
    public func jsonObject() -> String {
        var text = "{\"category\":\"\(category.rawValue)\",\"rule\":\(JSONEscapes.quoted(rule)),\"location\":\(JSONEscapes.quoted(location)),"
        text += "\"evidence\":\(JSONEscapes.quoted(evidence)),\"message\":\(JSONEscapes.quoted(message))"
        if let record { text += ",\"record\":\(record)" }
        return text + "}"
    }
}
