import PalisadeDetect
import PalisadePolicy

/// The judge's rules as a small binary file the preload library maps (docs/behaviour-guard.md,
/// "Deciding in the client"), so that an operation the agent would allow without a finding costs no
/// round trip. The library allows by itself only when the file proves it: the part is in mitigate mode
/// (or off), no deny rule and no input of the invocation can be involved, and for an exec the command line
/// is one an allow rule already accepted. Everything else is still asked, so every event is still recorded.
///
/// Layout: native-endian 32-bit words. Header words: magic, stale (set in place when a newer file
/// replaces this one), flags, the three modes (0 off, 1 report, 2 mitigate), the proxy port, the agent's
/// pid, then the offsets of eight lists and the total size. A list is a count and its items; a string
/// is its length and its bytes, padded to 4. Network entries: what they test (1 address range, 2 host
/// name, 4 port), the port, the prefix length, 16 address bytes (IPv4 mapped) and the host pattern.
public enum PublishedPolicy {
    public static let magic: UInt32 = 0x3153_4750 // "PGS1"
    /// Where the stale word is: the agent sets it to 1 in the old file after renaming a new one in place.
    public static let staleOffset = 4
    /// Above this many bytes of inputs the file says "inputs unknown" and the clients ask about everything.
    public static let maxInputBytes = 64 << 10

    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// An event has been handed out: operations are judged (before, the runtime's start is allowed).
        public static let invoking = Flags(rawValue: 1)
        /// The invocation's inputs are not in the file: an input may be involved in anything.
        public static let inputsUnknown = Flags(rawValue: 2)
    }

    /// The file for `judge`'s policy and memory, `inputs` being the current invocation's (nil: unknown).
    public static func encode(_ judge: BehaviourJudge, invoking: Bool, inputs: [Input]?, agentPID: Int32) -> [UInt8] {
        let relevant = inputs?.filter { $0.value.count >= InputCorrelation.minimumLength }
        let inputBytes = relevant?.reduce(0) { $0 + $1.value.count } ?? 0
        var flags: Flags = invoking ? .invoking : []
        if relevant == nil || inputBytes > maxInputBytes { flags.insert(.inputsUnknown) }
        let memory = judge.memory.withLock { $0 }
        let modes = BehaviourArea.allCases.map { area -> UInt32 in
            switch judge.policy.mode(for: .behaviour(area)) {
            case .off: 0
            case .report: 1
            case .mitigate: 2
            }
        }

        var writer = Writer()
        let listCount = 8
        let header = [magic, 0, flags.rawValue] + modes + [UInt32(judge.proxyPort ?? 0), UInt32(bitPattern: agentPID)]
        for word in header { writer.word(word) }
        let offsetsAt = writer.bytes.count
        for _ in 0...listCount { writer.word(0) } // the offsets and the size, filled in below
        var offsets: [Int] = []

        offsets.append(writer.bytes.count)
        writer.strings(memory.commandLines.sorted())
        offsets.append(writer.bytes.count)
        writer.strings(memory.shellLines.sorted())
        offsets.append(writer.bytes.count)
        writer.strings(flags.contains(.inputsUnknown) ? [] : (relevant ?? []).map(\.value))
        offsets.append(writer.bytes.count)
        writer.word(UInt32(judge.fileRules.count))
        for rule in judge.fileRules {
            writer.word(rule.allows ? 1 : 0)
            writer.string(rule.pattern.pattern)
        }
        offsets.append(writer.bytes.count)
        writer.strings(judge.readDeny.map(\.pattern))
        offsets.append(writer.bytes.count)
        writer.strings(judge.writeProtect.map(\.pattern))
        offsets.append(writer.bytes.count)
        writer.network(judge.networkDeny.map(\.rule))
        if let allow = judge.networkAllow {
            offsets.append(writer.bytes.count)
            writer.network(allow)
        } else {
            offsets.append(0)
        }
        offsets.append(writer.bytes.count)
        for (index, offset) in offsets.enumerated() { writer.set(UInt32(offset), at: offsetsAt + index * 4) }
        return writer.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func word(_ value: UInt32) {
            withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
        }

        mutating func set(_ value: UInt32, at offset: Int) {
            withUnsafeBytes(of: value) { bytes.replaceSubrange(offset..<offset + 4, with: $0) }
        }

        mutating func string(_ text: String) {
            string(Array(text.utf8))
        }

        mutating func string(_ utf8: [UInt8]) {
            word(UInt32(utf8.count))
            bytes += utf8
            bytes += repeatElement(0, count: (4 - utf8.count % 4) % 4)
        }

        mutating func strings(_ texts: [String]) {
            strings(texts.map { Array($0.utf8) })
        }

        mutating func strings(_ texts: [[UInt8]]) {
            word(UInt32(texts.count))
            for text in texts { string(text) }
        }

        mutating func network(_ rules: [NetworkRule]) {
            word(UInt32(rules.count))
            for rule in rules {
                word((rule.cidr != nil ? 1 : 0) | (rule.host != nil ? 2 : 0) | (rule.port != nil ? 4 : 0))
                word(UInt32(rule.port ?? 0))
                word(UInt32(rule.cidr?.prefix ?? 0))
                bytes += rule.cidr?.address ?? Array(repeating: 0, count: 16)
                string(rule.host?.pattern ?? "")
            }
        }
    }
}
