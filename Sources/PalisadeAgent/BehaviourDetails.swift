import PalisadeBehaviour
import PalisadeJSON

/// The fields a behaviour event adds to the security-event line: the command, path or destination,
/// the process that asked, and the input that caused it.
public struct BehaviourDetails: Sendable, Equatable {
    public var finding: BehaviourFinding
    public var pid: Int32
    /// `preload`, `python` or `node`.
    public var source: String

    public init(finding: BehaviourFinding, pid: Int32, source: String) {
        self.finding = finding
        self.pid = pid
        self.source = source
    }

    var fields: [(String, String)] {
        var fields: [(String, String)] = []
        func add(_ name: String, _ value: String?) {
            if let value { fields.append((name, JSONEscapes.quoted(SecurityEvent.truncated(value, limit: SecurityEvent.maxSubject)))) }
        }
        add("command", finding.command)
        add("script", finding.script)
        add("path", finding.path)
        add("host", finding.host)
        add("address", finding.address)
        if let port = finding.port { fields.append(("port", String(port))) }
        fields.append(("pid", String(pid)))
        add("source", source)
        if let input = finding.correlation {
            let object = [
                ("location", input.location),
                ("evidence", SecurityEvent.truncated(input.evidence)),
                ("why", input.why),
            ].map { "\(JSONEscapes.quoted($0.0)):\(JSONEscapes.quoted($0.1))" }.joined(separator: ",")
            fields.append(("input", "{" + object + "}"))
        }
        return fields
    }
}
