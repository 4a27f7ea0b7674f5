import PalisadeDetect

/// The three parts of the behaviour guard; each has its own mode and is the `category` of its events.
public enum BehaviourArea: String, Sendable, CaseIterable {
    case process, file, network
}

/// `behaviour` in a policy: what the function's processes may run, read, write and reach.
/// `nil` fields inherit (from the top level, then the defaults in docs/behaviour-guard.md).
public struct BehaviourSettings: Sendable, Equatable {
    public var processes = ProcessRules()
    public var files = FileRules()
    public var network = NetworkRules()

    public init(processes: ProcessRules = .init(), files: FileRules = .init(), network: NetworkRules = .init()) {
        self.processes = processes
        self.files = files
        self.network = network
    }

    public func mode(for area: BehaviourArea) -> Mode? {
        switch area {
        case .process: processes.mode
        case .file: files.mode
        case .network: network.mode
        }
    }

    /// A function rule's fields replace the ones it sets.
    mutating func overlay(_ rule: BehaviourSettings) {
        processes.mode = rule.processes.mode ?? processes.mode
        processes.allow = rule.processes.allow ?? processes.allow
        files.mode = rule.files.mode ?? files.mode
        files.readDeny = rule.files.readDeny ?? files.readDeny
        files.writeProtect = rule.files.writeProtect ?? files.writeProtect
        files.rules = rule.files.rules ?? files.rules
        network.mode = rule.network.mode ?? network.mode
        network.allow = rule.network.allow ?? network.allow
        network.deny = rule.network.deny ?? network.deny
    }
}

public struct ProcessRules: Sendable, Equatable {
    public var mode: Mode?
    /// PCRE2 patterns over the command line (argv joined by spaces) and a shell's `-c` script.
    public var allow: [String]?

    public init(mode: Mode? = nil, allow: [String]? = nil) {
        self.mode = mode
        self.allow = allow
    }
}

public struct FileRules: Sendable, Equatable {
    public var mode: Mode?
    /// Paths no access may open (read or write).
    public var readDeny: [Glob]?
    /// Paths that may be read but not opened for writing.
    public var writeProtect: [Glob]?
    /// Ordered allow/deny patterns; the first that matches decides, before the two lists.
    public var rules: [FileRule]?

    public init(mode: Mode? = nil, readDeny: [Glob]? = nil, writeProtect: [Glob]? = nil, rules: [FileRule]? = nil) {
        self.mode = mode
        self.readDeny = readDeny
        self.writeProtect = writeProtect
        self.rules = rules
    }
}

public struct FileRule: Sendable, Equatable {
    public var allows: Bool
    public var pattern: Glob

    public init(allows: Bool, pattern: Glob) {
        self.allows = allows
        self.pattern = pattern
    }
}

public struct NetworkRules: Sendable, Equatable {
    public var mode: Mode?
    /// When set, the only destinations allowed (besides the runtime's own Runtime API connection).
    public var allow: [NetworkRule]?
    /// Added to the built-in deny list (metadata, credentials and Runtime API endpoints).
    public var deny: [NetworkRule]?

    public init(mode: Mode? = nil, allow: [NetworkRule]? = nil, deny: [NetworkRule]? = nil) {
        self.mode = mode
        self.allow = allow
        self.deny = deny
    }
}

/// A destination: a host name pattern or an address range, optionally one port.
public struct NetworkRule: Sendable, Equatable {
    public var host: Glob?
    public var cidr: CIDR?
    public var port: Int?

    public init(host: Glob? = nil, cidr: CIDR? = nil, port: Int? = nil) {
        self.host = host
        self.cidr = cidr
        self.port = port
    }
}

/// An IPv4 or IPv6 range. IPv4 is kept as IPv4-mapped IPv6, so `127.0.0.0/8` also covers
/// `::ffff:127.0.0.1`, the form a dual-stack socket connects with.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    public let address: [UInt8]
    public let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.bytes(of: String(parts[0])) else { return nil }
        let isIPv4 = !parts[0].contains(":")
        let width = isIPv4 ? 32 : 128
        var prefix = width
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...width).contains(value) else { return nil }
            prefix = value
        }
        self.address = address
        self.prefix = isIPv4 ? prefix + 96 : prefix
        self.description = text
    }

    /// The 16 bytes of an address in any form `inet_aton` or IPv6 text allows; IPv4 as mapped IPv6.
    public static func bytes(of text: String) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        if utf8.first == UInt8(ascii: "["), utf8.last == UInt8(ascii: "]") { utf8 = Array(utf8.dropFirst().dropLast()) }
        if utf8.contains(UInt8(ascii: ":")) {
            guard let address = IPv6.parse(utf8) else { return nil }
            return address.groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
        guard utf8.first.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true, let value = IPv4.parse(utf8) else { return nil }
        return Array(repeating: 0, count: 10) + [0xFF, 0xFF, UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public func contains(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return false }
        var remaining = prefix
        for index in 0..<16 where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != address[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
