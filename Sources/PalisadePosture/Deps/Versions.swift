/// A PEP 440 version (`1!2.0.3rc1.post2.dev3+local`), ordered as pip orders them.
public struct PEP440Version: Comparable, Sendable {
    var epoch = 0
    var release: [Int] = []
    /// Pre-release phase (a=0, b=1, rc=2) and number; `nil` for a final release.
    var pre: (phase: Int, number: Int)?
    var post: Int?
    var dev: Int?

    public init?(_ text: String) {
        var rest = Substring(text.lowercased().trimmingCharacters(in: [" ", "v"]))
        if let plus = rest.firstIndex(of: "+") { rest = rest[..<plus] }
        if let bang = rest.firstIndex(of: "!") {
            guard let epoch = Int(rest[..<bang]) else { return nil }
            self.epoch = epoch
            rest = rest[rest.index(after: bang)...]
        }
        let releaseText = rest.prefix { $0.isNumber || $0 == "." }
        release = releaseText.split(separator: ".").compactMap { Int($0) }
        guard !release.isEmpty else { return nil }
        rest = rest.dropFirst(releaseText.count)
        while !rest.isEmpty {
            rest = rest.drop { $0 == "." || $0 == "-" || $0 == "_" }
            let word = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(word.count).drop { $0 == "." || $0 == "-" || $0 == "_" }
            let digits = rest.prefix { $0.isNumber }
            rest = rest.dropFirst(digits.count)
            let number = Int(digits) ?? 0
            switch word {
            case "a", "alpha": pre = (0, number)
            case "b", "beta": pre = (1, number)
            case "rc", "c", "pre", "preview": pre = (2, number)
            case "post", "rev", "r": post = number
            case "dev": dev = number
            case "" where !digits.isEmpty: post = number
            default: return nil
            }
        }
    }

    /// What follows the release, in pip's order: dev releases of a final sort before its
    /// pre-releases, pre-releases before the final, post-releases after it.
    private var suffixKey: [Int] {
        let preKey: [Int]
        if let pre {
            preKey = [pre.phase, pre.number]
        } else if post == nil, dev != nil {
            preKey = [-1, 0]
        } else {
            preKey = [3, 0]
        }
        return preKey + (post.map { [1, $0] } ?? [0, 0]) + (dev.map { [0, $0] } ?? [1, 0])
    }

    public static func < (lhs: PEP440Version, rhs: PEP440Version) -> Bool {
        if lhs.epoch != rhs.epoch { return lhs.epoch < rhs.epoch }
        let length = max(lhs.release.count, rhs.release.count)
        for index in 0..<length {
            let left = index < lhs.release.count ? lhs.release[index] : 0
            let right = index < rhs.release.count ? rhs.release[index] : 0
            if left != right { return left < right }
        }
        return lhs.suffixKey.lexicographicallyPrecedes(rhs.suffixKey)
    }

    public static func == (lhs: PEP440Version, rhs: PEP440Version) -> Bool { !(lhs < rhs) && !(rhs < lhs) }
}

/// An npm semantic version (`1.2.3-beta.1+build`), ordered by the semver rules.
public struct SemanticVersion: Comparable, Sendable {
    var core: [Int]
    var prerelease: [String]

    public init?(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: [" ", "v", "="]))
        if let plus = rest.firstIndex(of: "+") { rest = rest[..<plus] }
        var pre: Substring = ""
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil }) else { return nil }
        core = parts.compactMap { $0 } + Array(repeating: 0, count: 3 - parts.count)
        prerelease = pre.isEmpty ? [] : pre.split(separator: ".").map(String.init)
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if lhs.core != rhs.core { return lhs.core.lexicographicallyPrecedes(rhs.core) }
        if lhs.prerelease.isEmpty || rhs.prerelease.isEmpty { return !lhs.prerelease.isEmpty && rhs.prerelease.isEmpty }
        for (left, right) in zip(lhs.prerelease, rhs.prerelease) where left != right {
            switch (Int(left), Int(right)) {
            case let (l?, r?): return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return left < right
            }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
