import PalisadeJSON

extension PolicyDraft {
    /// The draft as a policy document (for `palisade policy check` and `PALISADE_POLICY_FILE`), every
    /// part in mitigate mode: processes as an allow-list; files as allow rules, then `deny *` when the
    /// run's opens were observed; network as an allow-list when its connections were observed.
    public var json: String {
        let indent = function == nil ? "  " : "      "
        let processes = list(processes.map { JSONEscapes.quoted($0.regex) }, indent: indent + "    ")
        let rules = files.map { #"{"allow": \#(JSONEscapes.quoted($0))}"# } + (filesObserved ? [#"{"deny": "*"}"#] : [])
        let filesPart = rules.isEmpty ? "" : #", "rules": "# + list(rules, indent: indent + "    ")
        let networkPart = network.isEmpty && !networkObserved ? "" : #", "allow": "# + list(network.map(Self.entry), indent: indent + "    ")
        let behaviour = """
        {
        \(indent)  "processes": {"mode": "mitigate", "allow": \(processes)},
        \(indent)  "files": {"mode": "mitigate"\(filesPart)},
        \(indent)  "network": {"mode": "mitigate"\(networkPart)}
        \(indent)}
        """
        guard let function else {
            return "{\n  \"version\": 1,\n  \"behaviour\": \(behaviour)\n}\n"
        }
        return """
        {
          "version": 1,
          "functions": [
            {
              "name": \(JSONEscapes.quoted(function)),
              "behaviour": \(behaviour)
            }
          ]
        }

        """
    }

    func list(_ items: [String], indent: String) -> String {
        guard !items.isEmpty else { return "[]" }
        return "[\n" + items.map { indent + $0 }.joined(separator: ",\n") + "\n" + indent.dropLast(2) + "]"
    }

    static func entry(_ destination: Destination) -> String {
        let target = switch destination.target {
        case .host(let host): #""host": \#(JSONEscapes.quoted(host))"#
        case .cidr(let cidr): #""cidr": \#(JSONEscapes.quoted(cidr))"#
        }
        return "{" + target + (destination.port.map { #", "port": \#($0)"# } ?? "") + "}"
    }

    /// The lines for people: what was read, what was left out and why.
    public var summary: [String] {
        var lines = ["\(recordCount) behaviour event(s) used, \(skippedLines) other line(s) skipped, \(malformedLines.count) malformed line(s)"]
        lines += malformedLines.map { "malformed line \($0.line): \($0.reason)" }
        lines += notAllowed.map { "not allowed (attack): \($0.operation) (\($0.reason))" }
        return lines
    }
}
