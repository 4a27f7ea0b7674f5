#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PalisadeBehaviour
import PalisadeSystem
import Synchronization

/// The published policy (PublishedPolicy) beside the guard socket. A version is never changed once
/// renamed in place, so a client mapping it never reads half of one; the agent keeps the current one open
/// to set its stale word when a newer one replaces it or the invocation changes under it.
final class GuardPolicyFile: Sendable {
    let path: String
    /// The descriptor of the version in place, or -1.
    let current = Mutex<Int32>(-1)

    init(path: String) {
        self.path = path
    }

    /// Puts `bytes` in place and marks the version it replaces stale.
    func publish(_ bytes: [UInt8]) throws(FileError) {
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(.open, temporary, errno: errno) }
        do {
            try Files.writeAll(bytes, to: descriptor, path: temporary)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let number = errno
            close(descriptor)
            unlink(temporary)
            throw FileError(.write, path, errno: number)
        }
        let replaced = current.withLock { current in
            defer { current = descriptor }
            return current
        }
        if replaced >= 0 {
            Self.markStale(replaced)
            close(replaced)
        }
    }

    /// Clients stop deciding by the version in place and ask, until a new one is published.
    func markStale() {
        current.withLock { Self.markStale($0) }
    }

    /// At shutdown: marked stale and removed.
    func withdraw() {
        current.withLock { current in
            guard current >= 0 else { return }
            Self.markStale(current)
            close(current)
            current = -1
        }
        Files.remove(path)
    }

    static func markStale(_ descriptor: Int32) {
        guard descriptor >= 0 else { return }
        var stale: UInt32 = 1
        _ = pwrite(descriptor, &stale, 4, off_t(PublishedPolicy.staleOffset))
    }
}
