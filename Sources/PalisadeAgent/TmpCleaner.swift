import PalisadePolicy
import PalisadeSystem
import Synchronization

/// Removes what earlier invocations left in /tmp before the next one starts. Entries present when
/// the first invocation began (written by init code) survive, as do the policy's `keep` paths.
public final class TmpCleaner: Sendable {
    let root: String
    let keep: [Glob]
    /// Top-level names present before the first invocation; `nil` until then.
    let baseline = Mutex<Set<String>?>(nil)

    public init(root: String, keep: [Glob], alwaysKeep: [String]) {
        self.root = root
        self.keep = keep + alwaysKeep.map { Glob($0) } + alwaysKeep.map { Glob($0 + "/*") }
    }

    /// Returns the paths removed.
    @discardableResult
    public func clean() -> [String] {
        let names = Files.list(root)
        return baseline.withLock { baseline in
            guard let known = baseline else {
                baseline = Set(names)
                return []
            }
            var removed: [String] = []
            for name in names where !known.contains(name) {
                let path = root + "/" + name
                guard !keep.contains(where: { $0.matches(path) }) else { continue }
                Files.removeTree(path)
                removed.append(path)
            }
            return removed
        }
    }
}
