/// Server-side template injection: template syntax (Jinja2/Twig `{{ }}` and `{% %}`, Freemarker,
/// Velocity, ERB, Spring/Thymeleaf `${ }` `*{ }` `#{ }`) whose body is an expression, not a name:
/// arithmetic (`{{7*7}}`), Python object walking (`__class__`), or reaching the runtime.
/// `{{name}}` in a greeting is not an attack.
struct TemplateInjectionDetector {
    static let gate = ByteSet("{<#$[")
    static let dangerousNames: [[UInt8]] = [
        "__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__", "__init__", "__import__", "config.", "config}", "self.",
        "request.application", "lipsum", "cycler", "joiner", "namespace", "|attr", "popen", "getruntime", ".exec(", "t(java", "freemarker",
        "_self.env", "registerundefinedfiltercallback", "getclass", "classloader", "new()", "?new", "system(", "object.constant", "settings.",
    ].map { Array($0.utf8) }
    static let directives: [[UInt8]] = ["<#assign", "<#import", "<#include", "[#assign", "#set(", "#foreach(", "#evaluate(", "{php}", "{system(", "{{#with", "{$smarty"].map { Array($0.utf8) }

    static let delimiters: [(open: [UInt8], close: [UInt8])] = [
        ("{{", "}}"), ("{%", "%}"), ("${", "}"), ("#{", "}"), ("*{", "}"), ("<%=", "%>"), ("<%", "%>"), ("@{", "}"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }
    static let needles = (directives + delimiters.map(\.open)).map { String(decoding: $0, as: UTF8.self) }

    func scan(_ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        guard input.present.intersects(Self.gate) else { return }
        let text = input.lower
        guard scratch.hasNeedle(of: .ssti, in: input) else { return }
        for index in Self.directives.indices {
            if let offset = scratch.start(of: index, in: .ssti) {
                matches.append(Match(category: .ssti, rule: "ssti.directive", message: "a template directive that assigns or executes", evidence: offset..<min(text.count, offset + 60)))
                return
            }
        }
        for (index, (open, close)) in Self.delimiters.enumerated() where scratch.contains(Self.directives.count + index, of: .ssti) {
            for start in ByteScan.all(open, in: text) {
                let bodyStart = start + open.count
                // Expressions are short; bounding the search keeps a run of openers linear.
                let window = Array(text[bodyStart..<min(text.count, bodyStart + 512)])
                let end = bodyStart + (ByteScan.find(close, in: window) ?? window.count)
                let body = Array(text[bodyStart..<end])
                if Self.isExpression(body) {
                    matches.append(Match(category: .ssti, rule: "ssti.expression", message: "a template expression that computes or reaches objects", evidence: start..<min(text.count, end + close.count)))
                    return
                }
            }
        }
    }

    /// Arithmetic between numbers, or names that only template exploits use.
    static func isExpression(_ body: [UInt8]) -> Bool {
        if dangerousNames.contains(where: { ByteScan.find($0, in: body) != nil }) { return true }
        let compact = body.filter { !ByteScan.isSpace($0) }
        for (index, byte) in compact.enumerated() where byte == UInt8(ascii: "*") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/") {
            let before = index > 0 ? compact[index - 1] : 0
            let after = index + 1 < compact.count ? compact[index + 1] : 0
            let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
            if isDigit(before) && (isDigit(after) || after == UInt8(ascii: "'") || after == UInt8(ascii: "\"")) { return true }
        }
        return false
    }
}
