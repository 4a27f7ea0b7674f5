/// Standard output in blocks of about 64 KiB, so a report is written as it is made instead of being
/// held whole in memory first (a 1,000-function template gives a 9 MB JSON report).
public struct StandardOutput: TextOutputStream {
    private var buffer = ""
    private static let blockSize = 1 << 16

    public init() {
        buffer.reserveCapacity(Self.blockSize + 4096)
    }

    public mutating func write(_ string: String) {
        buffer += string
        if buffer.utf8.count >= Self.blockSize { flush() }
    }

    /// Writes out what is buffered; call it once the report is complete.
    public mutating func flush() {
        guard !buffer.isEmpty else { return }
        print(buffer, terminator: "")
        buffer.removeAll(keepingCapacity: true)
    }
}
