/// Paths as the kernel will see them, so that globs match `/proc/self/../self/environ` and
/// `files/../../etc/passwd` by what they name.
public enum PathName {
    /// Joins a relative path to `cwd` and removes `.`, `..` and repeated slashes (`..` stops at `/`).
    public static func resolve(_ path: String, cwd: String?) -> String {
        let joined = path.hasPrefix("/") ? path : (cwd ?? "/") + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Ranges of the `..` segments of a path as written.
    static func parentSegments(_ path: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for index in 0...path.count where index == path.count || path[index] == UInt8(ascii: "/") {
            if index - start == 2, path[start] == UInt8(ascii: "."), path[start + 1] == UInt8(ascii: ".") { ranges.append(start..<index) }
            start = index + 1
        }
        return ranges
    }
}
