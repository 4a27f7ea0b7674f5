/// Path traversal and file inclusion found by splitting the input into path segments: `..` segments
/// that climb out of a directory, names of files an attacker reads (`/etc/passwd`,
/// `/proc/self/environ`, the function's own `/var/task`), and stream wrappers that turn a file
/// parameter into code or a remote fetch (`php://filter`, `expect://`, a URL ending in `?`).
struct PathTraversalDetector {
    static let gate = ByteSet("./\\:")
    static let sensitiveFiles: [[UInt8]] = [
        "etc/passwd", "etc/shadow", "etc/group", "etc/hosts", "etc/issue", "etc/os-release", "etc/sudoers", "etc/crontab",
        "proc/self/", "proc/version", "proc/cpuinfo", "proc/1/", "var/task/", "var/runtime/", "opt/extensions", ".aws/credentials", ".ssh/id_rsa",
        ".ssh/authorized_keys", ".bash_history", ".env", ".git/config", ".htaccess", ".htpasswd", "web.config", "win.ini", "boot.ini",
        "windows/system.ini", "wp-config.php", "id_rsa", "/root/", "etc/httpd/", "etc/nginx/", "var/log/",
    ].map { Array($0.utf8) }
    static let includeSchemes: [[UInt8]] = ["http://", "https://", "ftp://", "ftps://"].map { Array($0.utf8) }
    static let wrappers: [[UInt8]] = ["php://", "file://", "expect://", "zip://", "phar://", "glob://", "data://", "jar:file:", "compress.zlib://", "zlib://", "ogg://", "rar://", "ssh2.shell://"].map { Array($0.utf8) }

    static let needles = (wrappers + sensitiveFiles + [Array("..".utf8)]).map { String(decoding: $0, as: UTF8.self) }
    static let parentMarker = wrappers.count + sensitiveFiles.count
    static let parent = Array("..".utf8)
    /// The bytes of each wrapper and file name.
    static let namedNeedleBytes = (wrappers + sensitiveFiles).map { ByteSet($0) }

    /// Whether a needle can occur, from the bytes and a look for `..`: when not, the needle pass is
    /// skipped (a date, a price, an e-mail address or a browser's User-Agent has nothing of a path
    /// but dots and slashes).
    static func mayHaveNeedle(_ input: ScanInput) -> Bool {
        let lowered = input.present.addingLowercase
        if namedNeedleBytes.contains(where: { $0.isSubset(of: lowered) }) { return true }
        return input.present.contains(UInt8(ascii: ".")) && ByteScan.find(parent, in: input.lower) != nil
    }

    func scan(_ input: ScanInput, scratch: inout DetectorScratch, into matches: inout [Match]) {
        guard input.present.intersects(Self.gate) else { return }
        let text = input.lower
        if !Self.mayHaveNeedle(input) || !scratch.hasNeedle(of: .traversal, in: input) {
            if let match = remoteInclude(text) { matches.append(match) }
            return
        }
        if let wrapperIndex = Self.wrappers.indices.first(where: { scratch.contains($0, of: .traversal) }), let offset = scratch.start(of: wrapperIndex, in: .traversal),
           ByteScan.startsWord(text, at: offset) {
            matches.append(Match(category: .traversal, rule: "traversal.stream-wrapper", message: "a stream wrapper that reads files or runs code", evidence: offset..<min(text.count, offset + 60)))
            return
        }
        guard scratch.contains(Self.parentMarker, of: .traversal) || Self.sensitiveFiles.indices.contains(where: { scratch.contains(Self.wrappers.count + $0, of: .traversal) })
            || input.present.contains(UInt8(ascii: "\\")) else {
            if let match = remoteInclude(text) { matches.append(match) }
            return
        }
        // Windows separators and repeated slashes read the same as '/' to most file APIs.
        let path = Self.normalised(text)
        let climbs = Self.parentSegments(path)
        if let first = climbs.first, climbs.count >= 2 || first == ByteScan.skipSpace(path, from: 0) || Self.sensitiveFile(in: path, from: first) != nil {
            matches.append(Match(category: .traversal, rule: "traversal.parent-directory", message: "climbs out of the directory with '..' segments", evidence: first..<min(path.count, first + 60)))
            return
        }
        if let offset = Self.sensitiveFile(in: path, from: 0) {
            matches.append(Match(category: .traversal, rule: "traversal.sensitive-file", message: "names a system or credential file", evidence: offset..<min(path.count, offset + 60)))
            return
        }
        if let match = remoteInclude(path) { matches.append(match) }
    }

    /// `http://host/shell.txt?` and friends: the trailing `?` or null byte cuts off the suffix the code adds.
    func remoteInclude(_ text: [UInt8]) -> Match? {
        guard text.last == UInt8(ascii: "?") || text.last == UInt8(ascii: "#") else { return nil }
        let start = ByteScan.skipSpace(text, from: 0)
        for scheme in Self.includeSchemes where ByteScan.hasPrefix(text, scheme, at: start) {
            if text.last == UInt8(ascii: "?") || (text.last == UInt8(ascii: "#") && !text.dropLast().contains(UInt8(ascii: "#"))) {
                return Match(category: .traversal, rule: "traversal.remote-include", message: "a URL ending in '?' or '#' to cut off an appended suffix", evidence: start..<text.count)
            }
        }
        return nil
    }

    static func normalised(_ text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        for byte in text {
            let mapped = byte == UInt8(ascii: "\\") ? UInt8(ascii: "/") : byte
            if mapped == UInt8(ascii: "/"), output.last == UInt8(ascii: "/") { continue }
            output.append(mapped)
        }
        return output
    }

    /// Offsets of segments made only of two or more dots (`..`, `...`, `..;`), bounded by `/` or the ends.
    static func parentSegments(_ path: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var index = 0
        while index < path.count {
            guard path[index] == UInt8(ascii: "."), index == 0 || path[index - 1] == UInt8(ascii: "/") || ByteScan.isSpace(path[index - 1]) || path[index - 1] == UInt8(ascii: "=") else {
                index += 1
                continue
            }
            var end = index
            while end < path.count, path[end] == UInt8(ascii: ".") { end += 1 }
            if end < path.count, path[end] == UInt8(ascii: ";") { end += 1 }
            if end - index >= 2, end < path.count, path[end] == UInt8(ascii: "/") {
                offsets.append(index)
            }
            index = end
        }
        return offsets
    }

    static let dotEnv = Array(".env".utf8)

    static func sensitiveFile(in path: [UInt8], from start: Int) -> Int? {
        for file in sensitiveFiles {
            guard let offset = ByteScan.find(file, in: path, from: start) else { continue }
            // The name must start a path segment: "/etc/passwd" or "etc/passwd" yes, "myetc/passwd" no.
            if offset == 0 || path[offset - 1] == UInt8(ascii: "/") || file.first == UInt8(ascii: "/") || file.first == UInt8(ascii: ".") {
                if file == Self.dotEnv, offset + 4 < path.count, ByteScan.isIdentifier(path[offset + 4]) { continue }
                if file.first == UInt8(ascii: "."), offset > 0, path[offset - 1] != UInt8(ascii: "/") { continue }
                return offset
            }
        }
        return nil
    }
}
