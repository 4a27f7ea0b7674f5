import PalisadeJSON
import PalisadeSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes the agent's lines to stderr (CloudWatch Logs) one whole line at a time, and hands
/// security events to each delivery queue (the console's, the local events file's).
public final class Reporter: Sendable {
    let output = Mutex<Int32>(2)
    let queues: [EventQueue]

    public init(queues: [EventQueue] = []) {
        self.queues = queues
    }

    public func record(_ events: [SecurityEvent]) {
        guard !events.isEmpty else { return }
        var lines: [UInt8] = []
        for event in events {
            let line = event.jsonLine
            lines += line
            for queue in queues where event.action != .observed || queue.takesObserved { queue.append(line) }
        }
        if let metric = MetricLine.make(for: events.filter { $0.action != .observed }) { lines += metric }
        write(lines)
    }

    /// An operational message, as JSON so that log queries treat it like the events.
    public func log(_ level: String, _ message: String) {
        write(Array(#"{"palisade":"log","level":\#(JSONEscapes.quoted(level)),"message":\#(JSONEscapes.quoted(message))}"#.utf8) + [0x0A])
    }

    func write(_ bytes: [UInt8]) {
        output.withLock { descriptor in
            try? Files.writeAll(bytes, to: descriptor, path: "stderr")
        }
    }
}
