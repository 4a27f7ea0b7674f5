import PalisadeJSON
import PalisadePolicy

/// One question from a guard client (the preload library or a language hook): one JSON line.
public struct GuardRequest: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        case exec(path: String, argv: [String], cwd: String?)
        case open(path: String, cwd: String?, writes: Bool)
        case connect(address: String, port: Int, host: String?)
        case resolve(host: String, port: Int?)

        public var area: BehaviourArea {
            switch self {
            case .exec: .process
            case .open: .file
            case .connect, .resolve: .network
            }
        }
    }

    public var operation: Operation
    public var pid: Int32
    public var ppid: Int32
    /// `preload`, `python` or `node`.
    public var source: String
    /// The hook's API name, e.g. `subprocess.Popen`.
    public var api: String?
    /// The client cut a long argv or path.
    public var truncated: Bool

    public init(operation: Operation, pid: Int32, ppid: Int32 = 0, source: String = "preload", api: String? = nil, truncated: Bool = false) {
        self.operation = operation
        self.pid = pid
        self.ppid = ppid
        self.source = source
        self.api = api
        self.truncated = truncated
    }

    public init(line: [UInt8]) throws(GuardRequestError) {
        let root: JSONValue
        do {
            root = try JSONDocument(bytes: line, limits: JSONLimits(maxBytes: 64 << 10, maxDepth: 8)).root
        } catch {
            throw GuardRequestError("not JSON: \(error)")
        }
        guard root.kind == .object else { throw GuardRequestError("not a JSON object") }
        func string(_ key: StaticString) -> String? { root[key]?.string }
        func number(_ key: StaticString) -> Int? {
            guard let value = root[key], value.kind == .number else { return nil }
            return Int(String(decoding: value.stringBytes, as: UTF8.self))
        }
        guard number("v") == 1 else { throw GuardRequestError("unknown protocol version (expected \"v\":1)") }
        pid = Int32(truncatingIfNeeded: number("pid") ?? 0)
        ppid = Int32(truncatingIfNeeded: number("ppid") ?? 0)
        source = string("source") ?? "unknown"
        api = string("api")
        truncated = root["truncated"]?.isTrue ?? false
        switch string("op") {
        case "exec":
            let argv = root["argv"].map { $0.kind == .array ? $0.elements.map { String(decoding: $0.stringBytes, as: UTF8.self) } : [] } ?? []
            operation = .exec(path: string("path") ?? argv.first ?? "", argv: argv, cwd: string("cwd"))
        case "open":
            guard let path = root["path"].map({ String(decoding: $0.stringBytes, as: UTF8.self) }) else { throw GuardRequestError("open without a path") }
            operation = .open(path: path, cwd: string("cwd"), writes: string("access") == "write")
        case "connect":
            guard let address = string("address") else { throw GuardRequestError("connect without an address") }
            operation = .connect(address: address, port: number("port") ?? 0, host: string("host"))
        case "resolve":
            guard let host = string("host") else { throw GuardRequestError("resolve without a host") }
            operation = .resolve(host: host, port: number("port"))
        default:
            throw GuardRequestError("unknown op")
        }
    }
}

/// A request the agent cannot read; the agent answers it with allow and logs why.
public struct GuardRequestError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "guard.bad_request: " + description }
}
