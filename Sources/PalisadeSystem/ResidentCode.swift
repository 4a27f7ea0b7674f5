#if canImport(Glibc)
import Glibc
#endif

/// The executable's own code pages. The kernel maps file pages around every fault (64 KB at a time),
/// so after start-up nearly the whole binary is resident although an invocation runs a small part of
/// it: start-up, policy parsing and rule compilation never run again.
public enum ResidentCode {
    /// `MADV_PAGEOUT` (Linux 5.4): reclaim the range now; pages come back on their next use.
    static let pageOut: Int32 = 21

    /// Hands the executable's read-only mappings (code and constants) back to the kernel; the code
    /// an invocation runs faults back in on first use. Returns the bytes advised, 0 when the kernel
    /// refuses (older than 5.4) or the maps cannot be read.
    @discardableResult
    public static func release() -> Int {
        guard let maps = try? Files.read("/proc/self/maps", limit: 1 << 20),
              let executable = Files.linkTarget("/proc/self/exe") else { return 0 }
        var advised = 0
        for line in maps.split(separator: UInt8(ascii: "\n")) {
            guard let mapping = Mapping(line), mapping.path == executable, !mapping.writable,
                  let start = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            let length = Int(mapping.end - mapping.start)
            if madvise(start, length, pageOut) == 0 { advised += length }
        }
        return advised
    }

    /// One line of /proc/self/maps: `start-end perms offset dev inode path`.
    struct Mapping {
        var start: UInt
        var end: UInt
        var writable: Bool
        var path: String

        init?(_ line: ArraySlice<UInt8>) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6 else { return nil }
            let range = fields[0].split(separator: UInt8(ascii: "-"))
            guard range.count == 2,
                  let start = UInt(String(decoding: range[0], as: UTF8.self), radix: 16),
                  let end = UInt(String(decoding: range[1], as: UTF8.self), radix: 16), end > start else { return nil }
            self.start = start
            self.end = end
            writable = fields[1].dropFirst().first == UInt8(ascii: "w")
            path = String(decoding: fields[5].drop { $0 == UInt8(ascii: " ") }, as: UTF8.self)
        }
    }
}
