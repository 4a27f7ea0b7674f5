/// Learn mode: the smallest `behaviour` policy that would have allowed a recorded run (report mode,
/// where the agent records every allowed operation as `observed`). Operations an input caused, or
/// that hit a built-in denial, stay out and are listed instead.
public struct PolicyDraft: Sendable {
    /// An outbound destination the run used.
    public struct Destination: Sendable, Hashable, Comparable {
        public enum Target: Sendable, Hashable, Comparable {
            case host(String)
            /// An address with its full prefix length, e.g. `10.1.2.3/32`.
            case cidr(String)
        }

        public var target: Target
        public var port: Int?

        public init(target: Target, port: Int?) {
            self.target = target
            self.port = port
        }

        public static func < (lhs: Destination, rhs: Destination) -> Bool {
            (lhs.target, lhs.port ?? -1) < (rhs.target, rhs.port ?? -1)
        }
    }

    /// An operation left out of the draft and why.
    public struct Exclusion: Sendable, Hashable {
        public var operation: String
        public var reason: String
    }

    /// The draft applies to this function only (a function rule) when set, else to every function.
    public var function: String?
    /// Allow rules over the command line (or a shell's `-c` script).
    public var processes: [CommandPattern] = []
    /// Paths the run opened, as glob allow rules.
    public var files: [String] = []
    public var network: [Destination] = []
    /// Whether the run recorded its allowed file and network operations (`observed`, learn mode): only
    /// then is the record complete enough to deny everything else. Without, the draft only adds allows.
    public var filesObserved = false
    public var networkObserved = false
    public var notAllowed: [Exclusion] = []

    /// Counts for the summary: behaviour events used, other lines, unreadable lines.
    public var recordCount = 0
    public var skippedLines = 0
    /// Line number (from 1) and reason of each line that looked like an event but could not be read.
    public var malformedLines: [(line: Int, reason: String)] = []

    /// Reads an events file or agent log (JSON lines; anything else is skipped) and drafts the policy.
    public init(events bytes: [UInt8], function: String? = nil) {
        self.function = function
        var records: [BehaviourRecord] = []
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            switch BehaviourRecord.parse(line: line) {
            case .record(let record):
                guard function == nil || record.function == function else {
                    skippedLines += 1
                    continue
                }
                records.append(record)
            case .skipped: skippedLines += 1
            case .malformed(let reason): malformedLines.append((index + 1, reason))
            }
        }
        recordCount = records.count
        build(from: records)
    }

    mutating func build(from records: [BehaviourRecord]) {
        var commands: [String] = []
        var paths: Set<String> = []
        var destinations: Set<Destination> = []
        var excluded: [Exclusion] = []
        for record in records {
            switch record.operation {
            case .file where record.action == "observed": filesObserved = true
            case .network where record.action == "observed": networkObserved = true
            default: break
            }
            if let attack = record.attack {
                excluded.append(Exclusion(operation: Self.describe(record.operation), reason: attack))
                continue
            }
            switch record.operation {
            case .process(let command, let script):
                commands.append(script ?? command)
            case .file(let path, _):
                if let problem = Self.pathProblem(path) {
                    excluded.append(Exclusion(operation: Self.describe(record.operation), reason: problem))
                } else {
                    paths.insert(Self.fileGlob(path))
                }
            case .network(let host, let address, let port):
                if let host {
                    destinations.insert(Destination(target: .host(host), port: port))
                } else if let address {
                    destinations.insert(Destination(target: .cidr(address + (address.contains(":") ? "/128" : "/32")), port: port))
                }
            }
        }
        processes = CommandPattern.covering(commands)
        files = paths.sorted()
        // A name looked up without a port is covered by the same name's entries with ports.
        network = destinations.filter { destination in
            destination.port != nil || !destinations.contains { $0.target == destination.target && $0.port != nil }
        }.sorted()
        var seen: Set<Exclusion> = []
        notAllowed = excluded.filter { seen.insert($0).inserted }
    }

    /// Why a path cannot become an allow rule: it climbs with `..`, or holds glob characters.
    static func pathProblem(_ path: String) -> String? {
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") { return "path climbs out with '..'" }
        if path.contains("*") || path.contains("?") { return "path holds a glob character" }
        if !path.hasPrefix("/") { return "relative path" }
        return nil
    }

    /// Files under /tmp are named per run; /proc/<pid> differs per process.
    static func fileGlob(_ path: String) -> String {
        if path.hasPrefix("/tmp/") { return "/tmp/*" }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.count > 2, segments[1] == "proc", segments[2].allSatisfy(\.isNumber) {
            return (["", "proc", "*"] + segments.dropFirst(3)).joined(separator: "/")
        }
        return path
    }

    static func describe(_ operation: BehaviourRecord.Operation) -> String {
        switch operation {
        case .process(let command, _): "process \(command)"
        case .file(let path, let write): "file \(write ? "write" : "read") \(path)"
        case .network(let host, let address, let port):
            "network \(host ?? address ?? "")\(port.map { ":\($0)" } ?? "")"
        }
    }
}
