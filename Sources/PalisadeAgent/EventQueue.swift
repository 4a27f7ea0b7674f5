import PalisadeSystem
import Synchronization

/// Security events waiting for delivery: bounded in memory, spilled to a file under /tmp when the
/// memory bound is reached, capped there too, and drained in order (spill first) on flush.
public final class EventQueue: Sendable {
    public struct Limits: Sendable {
        public var inMemory = 1_000
        public var spillBytes = 8 << 20

        public init(inMemory: Int = 1_000, spillBytes: Int = 8 << 20) {
            self.inMemory = inMemory
            self.spillBytes = spillBytes
        }
    }

    struct Contents {
        var lines: [[UInt8]] = []
        var spilledBytes = 0
        var dropped = 0
    }

    let limits: Limits
    let spillPath: String
    /// Whether learn mode's `observed` events belong here (the events file) or not (the console).
    public let takesObserved: Bool
    let contents = Mutex(Contents())

    public init(spillPath: String, limits: Limits = .init(), takesObserved: Bool = true) {
        self.spillPath = spillPath
        self.takesObserved = takesObserved
        self.limits = limits
    }

    public func append(_ line: [UInt8]) {
        contents.withLock { contents in
            if contents.lines.count < limits.inMemory {
                contents.lines.append(line)
            } else if contents.spilledBytes + line.count <= limits.spillBytes, (try? Files.append(line, to: spillPath)) != nil {
                contents.spilledBytes += line.count
            } else {
                contents.dropped += 1
            }
        }
    }

    /// Puts back, ahead of everything queued since, lines whose delivery failed; the memory bound
    /// may be exceeded by them until the next drain, which takes them again.
    public func requeue(_ lines: [[UInt8]]) {
        guard !lines.isEmpty else { return }
        contents.withLock { $0.lines.insert(contentsOf: lines, at: 0) }
    }

    public var isEmpty: Bool {
        contents.withLock { $0.lines.isEmpty && $0.spilledBytes == 0 }
    }

    /// Everything queued, oldest first, and how many events were dropped since the last drain.
    public func drain() -> (lines: [[UInt8]], dropped: Int) {
        contents.withLock { contents in
            var drained: [[UInt8]] = []
            if contents.spilledBytes > 0 {
                // The spill holds the newer events: memory filled first and kept the oldest.
                let spilled = (try? Files.read(spillPath, limit: limits.spillBytes + 1)) ?? []
                Files.remove(spillPath)
                drained = contents.lines + spilled.split(separator: 0x0A).map { Array($0) + [0x0A] }
            } else {
                drained = contents.lines
            }
            let dropped = contents.dropped
            contents = Contents()
            return (drained, dropped)
        }
    }
}
