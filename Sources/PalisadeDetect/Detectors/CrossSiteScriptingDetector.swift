/// Cross-site scripting found by reading the input as HTML: a tag a browser would build, an event
/// handler attribute, a script URL, or a break out of an attribute or script string. A `<` that does
/// not open a tag (`5 < 10`) is text and stays clean.
struct CrossSiteScriptingDetector {
    static let gate = ByteSet("<>:=\"'`(")
    static let scriptTags = WordList(["script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "xss", "import", "isindex", "template", "portal"])
    static let sinks: [[UInt8]] = ["alert", "prompt", "confirm", "eval", "document.cookie", "document.write", "document.domain", "window.location", "fromcharcode", "atob", "fetch"].map { Array($0.utf8) }
    static let schemes: [[UInt8]] = ["javascript:", "vbscript:", "livescript:", "data:text/html", "data:image/svg+xml", "data:application/x-javascript"].map { Array($0.utf8) }

    static let sinkNeedles = sinks.map { String(decoding: $0, as: UTF8.self) }
    /// The bytes of each sink and scheme: an input without all of one's cannot hold it, which spares
    /// it the needle pass (a date has a `:`, a phone number a `(`).
    static let sinkBytes = DetectorNeedles.byteSets(of: .xssSinks)
    static let schemeBytes = schemes.map { ByteSet($0) }
    /// The tails of script URL schemes; the full check squeezes out whitespace only when one occurs.
    static let schemeTails = ["t:", "a:", "ml", "svg", "javascript"]

    func scan(_ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        guard input.present.intersects(Self.gate) else { return }
        let text = input.lower
        if input.present.contains(UInt8(ascii: "<")) {
            for start in ByteScan.all([UInt8(ascii: "<")], in: text) {
                if let match = tag(text, at: start) {
                    matches.append(match)
                    return
                }
            }
        }
        let lowered = input.present.addingLowercase
        if input.present.contains(UInt8(ascii: ":")), Self.schemeBytes.contains(where: { $0.isSubset(of: lowered) }),
           scratch.hasNeedle(of: .xssSchemes, in: input), let match = scriptURL(text) {
            matches.append(match)
            return
        }
        if input.present.contains(UInt8(ascii: "=")), let match = handlerBreakout(text) {
            matches.append(match)
            return
        }
        if input.present.contains(UInt8(ascii: "(")) || input.present.contains(UInt8(ascii: "`")),
           Self.sinkBytes.contains(where: { $0.isSubset(of: lowered) }), scratch.hasNeedle(of: .xssSinks, in: input),
           let match = scriptBreakout(text, scratch: scratch) {
            matches.append(match)
        }
    }

    /// `<name …>` where name is a scripting element, or any element carrying `on…=` or a script URL.
    func tag(_ text: [UInt8], at start: Int) -> Match? {
        var index = start + 1
        if index < text.count, text[index] == UInt8(ascii: "/") { index += 1 }
        let nameStart = index
        while index < text.count, ByteScan.isIdentifier(text[index]) || text[index] == UInt8(ascii: ":") || text[index] == UInt8(ascii: "-") { index += 1 }
        guard index > nameStart, text[nameStart] >= 0x61, text[nameStart] <= 0x7A else { return nil }
        // A tag name ends at space, '/', '>' or the end; `a<b` in prose is not a tag.
        guard index == text.count || ByteScan.isSpace(text[index]) || text[index] == UInt8(ascii: "/") || text[index] == UInt8(ascii: ">") else { return nil }
        let name = text[nameStart..<index]
        // A tag closes within a kilobyte; looking further would make a run of '<' quadratic.
        let end = text[index..<min(text.count, index + 1024)].firstIndex(of: UInt8(ascii: ">")) ?? min(text.count, index + 1024)
        let evidence = start..<min(text.count, end + 1)
        if Self.scriptTags.contains(name) {
            return Match(category: .xss, rule: "xss.script-tag", message: "an HTML element that runs or loads script", evidence: evidence)
        }
        let attributes = Array(text[index..<end])
        if Self.eventHandler(in: attributes) != nil {
            return Match(category: .xss, rule: "xss.event-handler", message: "an HTML element with an event-handler attribute", evidence: evidence)
        }
        let squeezed = Self.squeezed(attributes)
        if Self.schemes.contains(where: { ByteScan.find($0, in: squeezed) != nil }) {
            return Match(category: .xss, rule: "xss.script-url", message: "an HTML element with a script URL", evidence: evidence)
        }
        if ByteScan.find(Array("style".utf8), in: attributes) != nil,
           ByteScan.find(Array("expression(".utf8), in: squeezed) != nil || ByteScan.find(Array("-moz-binding".utf8), in: attributes) != nil {
            return Match(category: .xss, rule: "xss.css-expression", message: "a style attribute that runs script", evidence: evidence)
        }
        return nil
    }

    static let on = Array("on".utf8)

    /// Offset of an `on…=` attribute preceded by a separator.
    static func eventHandler(in text: [UInt8]) -> Int? {
        for offset in ByteScan.all(Self.on, in: text) {
            guard offset == 0 || ByteScan.isSpace(text[offset - 1]) || text[offset - 1] == UInt8(ascii: "/")
                || text[offset - 1] == UInt8(ascii: "\"") || text[offset - 1] == UInt8(ascii: "'") else { continue }
            var index = offset + 2
            let nameStart = index
            while index < text.count, text[index] >= 0x61, text[index] <= 0x7A { index += 1 }
            guard index - nameStart >= 3 else { continue }
            index = ByteScan.skipSpace(text, from: index)
            if index < text.count, text[index] == UInt8(ascii: "=") { return offset }
        }
        return nil
    }

    /// `javascript:` and friends at the start of a value (browsers ignore leading spaces and controls).
    func scriptURL(_ text: [UInt8]) -> Match? {
        let squeezed = Self.squeezed(text)
        for scheme in Self.schemes {
            guard let offset = ByteScan.find(scheme, in: squeezed) else { continue }
            let before = offset == 0 ? UInt8(ascii: " ") : squeezed[offset - 1]
            guard !ByteScan.isIdentifier(before) else { continue }
            let after = squeezed[(offset + scheme.count)...]
            if scheme.starts(with: Array("data:".utf8)) || after.contains(where: { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "`") || $0 == UInt8(ascii: "=") }) {
                return Match(category: .xss, rule: "xss.script-url", message: "a URL that runs script when followed", evidence: 0..<min(text.count, 80))
            }
        }
        return nil
    }

    /// `" onmouseover="…` or `' autofocus onfocus=…`: leaving an attribute value to add a handler.
    func handlerBreakout(_ text: [UInt8]) -> Match? {
        guard let quote = text.firstIndex(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }),
              let handler = Self.eventHandler(in: Array(text[(quote + 1)...])) else { return nil }
        let start = quote + 1 + handler
        let between = text[(quote + 1)..<start]
        guard between.allSatisfy({ ByteScan.isSpace($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ">") || ByteScan.isIdentifier($0) }) else { return nil }
        return Match(category: .xss, rule: "xss.attribute-breakout", message: "a quote ends an attribute and an event handler follows", evidence: quote..<min(text.count, start + 40))
    }

    /// `';alert(1)//`, `"-prompt(1)-"`, `</script><script>`: leaving a script string to call a sink.
    /// Reads the sink needles' hits, after `scratch.hasNeedle(of: .xssSinks, in:)` said one occurs.
    func scriptBreakout(_ text: [UInt8], scratch: DetectorScratch) -> Match? {
        for (index, sink) in Self.sinks.enumerated() where scratch.contains(index, of: .xssSinks) {
            for offset in ByteScan.all(sink, in: text) where ByteScan.startsWord(text, at: offset) {
                let end = offset + sink.count
                guard sink.contains(UInt8(ascii: ".")) || ByteScan.isCall(text, after: end) != nil || (end < text.count && text[end] == UInt8(ascii: "`")) else { continue }
                let before = text[..<offset].last(where: { !ByteScan.isSpace($0) })
                if let before, [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "}"), UInt8(ascii: "("), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: ">")].contains(before) {
                    return Match(category: .xss, rule: "xss.script-breakout", message: "leaves a script context to call \(String(decoding: sink, as: UTF8.self))", evidence: max(0, offset - 3)..<min(text.count, end + 20))
                }
            }
        }
        return nil
    }

    /// Whitespace and control bytes removed: browsers skip them inside scheme names (`java\tscript:`).
    static func squeezed(_ text: [UInt8]) -> [UInt8] {
        text.filter { $0 > 0x20 }
    }
}
