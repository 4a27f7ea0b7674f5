import PalisadeSystem

/// Paths as the kernel will see them, so that globs match `/proc/self/../self/environ` and
/// `files/../../etc/passwd` by what they name.
public enum PathName {
    /// The file `path` (relative to `cwd`) names for process `pid`, with `.`, `..` and every symbolic link
    /// resolved the way the kernel walks it, so that `/tmp/x -> /proc/self/environ` is judged as its target.
    /// `/proc/self` and `/proc/thread-self` are looked up as `/proc/<pid>` (the asking process, not the agent)
    /// but keep their name. Links inside /proc with a target that is no path (`pipe:[…]`, `self/net`) stay
    /// as written, as do components that do not exist (an open that creates the file); at most 40 links
    /// are followed, like the kernel's limit.
    public static func resolvingLinks(_ path: String, cwd: String?, pid: Int32) -> String {
        let joined = path.hasPrefix("/") ? path : (cwd ?? "/") + "/" + path
        var pending = joined.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init)
        var resolved: [String] = []
        var links = 0
        while let part = pending.popLast() {
            switch part {
            case ".": continue
            case "..": _ = resolved.popLast(); continue
            default: resolved.append(part)
            }
            guard links < 40, let target = Files.linkTarget(lookupPath(resolved, pid: pid)) else { continue }
            if resolved.first == "proc", !target.hasPrefix("/") { continue }
            links += 1
            resolved.removeLast()
            if target.hasPrefix("/") { resolved.removeAll() }
            pending.append(contentsOf: target.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init))
        }
        return "/" + resolved.joined(separator: "/")
    }

    /// Where the agent finds what `components` name for process `pid`.
    static func lookupPath(_ components: [String], pid: Int32) -> String {
        guard pid > 0, components.count >= 2, components[0] == "proc", components[1] == "self" || components[1] == "thread-self" else {
            return "/" + components.joined(separator: "/")
        }
        return "/proc/\(pid)" + components.dropFirst(2).map { "/" + $0 }.joined()
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
