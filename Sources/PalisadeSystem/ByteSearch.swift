#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search over bytes: libc's `memchr` finds candidates for the first byte and `memcmp`
/// checks them, fast enough to scan a 6 MB response for each secret.
public enum ByteSearch {
    public static func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Range<Int>? {
        guard !needle.isEmpty, start >= 0, haystack.count - start >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pattern in
                let base = hay.baseAddress!
                let last = hay.count - pattern.count
                var offset = start
                while offset <= last {
                    guard let found = memchr(base + offset, Int32(pattern[0]), last - offset + 1) else { return nil }
                    offset = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(base + offset, pattern.baseAddress!, pattern.count) == 0 { return offset..<offset + pattern.count }
                    offset += 1
                }
                return nil
            }
        }
    }
}
