#if canImport(Glibc)
import Glibc
#endif
import PalisadeSystem

/// A connected TCP socket used with blocking calls from one thread: the runtime proxy relays each
/// connection on a thread of its own, so a message costs one `read` and one `write`, with no event
/// loop in between.
public final class WireSocket {
    public let descriptor: Int32
    var closed = false

    public init(descriptor: Int32) {
        self.descriptor = descriptor
        var on: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// Connects to a loopback address (an IP literal, or `localhost`).
    public static func connect(to address: LoopbackAddress) throws(HTTPExchangeError) -> WireSocket {
        let host = address.host == "localhost" ? "127.0.0.1" : address.host
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        if host.contains(":") {
            var ipv6 = sockaddr_in6()
            ipv6.sin6_family = sa_family_t(AF_INET6)
            ipv6.sin6_port = in_port_t(UInt16(address.port).bigEndian)
            guard inet_pton(AF_INET6, host, &ipv6.sin6_addr) == 1 else { throw HTTPExchangeError(.badAddress, "\(address) is not an IP address") }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: ipv6, as: sockaddr_in6.self) }
            (length, family) = (socklen_t(MemoryLayout<sockaddr_in6>.size), AF_INET6)
        } else {
            var ipv4 = sockaddr_in()
            ipv4.sin_family = sa_family_t(AF_INET)
            ipv4.sin_port = in_port_t(UInt16(address.port).bigEndian)
            guard inet_pton(AF_INET, host, &ipv4.sin_addr) == 1 else { throw HTTPExchangeError(.badAddress, "\(address) is not an IP address") }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: ipv4, as: sockaddr_in.self) }
            (length, family) = (socklen_t(MemoryLayout<sockaddr_in>.size), AF_INET)
        }
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPExchangeError(.socket, "socket: \(String(cString: strerror(errno)))") }
        let connected = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                var result: Int32
                repeat { result = Glibc.connect(descriptor, address, length) } while result < 0 && errno == EINTR
                return result
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw HTTPExchangeError(.socket, "connect to \(address): \(reason)")
        }
        return WireSocket(descriptor: descriptor)
    }

    /// Reads what is there (blocking until something is); 0 at the end of the stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPExchangeError) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw HTTPExchangeError(.socket, "read: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes every byte of each part, in one system call when the kernel takes them all.
    public func write(_ parts: ArraySlice<UInt8>...) throws(HTTPExchangeError) {
        try write(parts)
    }

    public func write(_ parts: [ArraySlice<UInt8>]) throws(HTTPExchangeError) {
        var pending = parts.filter { !$0.isEmpty }
        while !pending.isEmpty {
            let written = withVectors(pending) { vectors in
                var message = msghdr()
                message.msg_iov = vectors.baseAddress
                message.msg_iovlen = vectors.count
                // MSG_NOSIGNAL: a peer that went away is an error here, not a SIGPIPE for the agent.
                return sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw HTTPExchangeError(.socket, "write: \(String(cString: strerror(errno)))")
            }
            var remaining = written
            while remaining > 0, let first = pending.first {
                if first.count <= remaining {
                    remaining -= first.count
                    pending.removeFirst()
                } else {
                    pending[0] = first.dropFirst(remaining)
                    remaining = 0
                }
            }
        }
    }

    /// Whether the socket has bytes to read (or its end) within `timeout` milliseconds (-1: wait).
    public static func waitReadable(_ sockets: [WireSocket], timeout: Int32 = -1) -> [Bool] {
        var descriptors = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        while poll(&descriptors, nfds_t(descriptors.count), timeout) < 0 && errno == EINTR {}
        return descriptors.map { $0.revents != 0 }
    }

    /// Ends both directions: a thread blocked reading it wakes up with the end of the stream.
    public func shutdown() {
        guard !closed else { return }
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }

    private func withVectors<Result>(_ parts: [ArraySlice<UInt8>], _ body: (UnsafeMutableBufferPointer<iovec>) -> Result) -> Result {
        // At most a head, a body and a line end: the slices stay pinned while the call runs.
        func nest(_ index: Int, _ vectors: inout [iovec]) -> Result {
            guard index < parts.count else { return vectors.withUnsafeMutableBufferPointer { body($0) } }
            return parts[index].withUnsafeBytes { bytes in
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
                return nest(index + 1, &vectors)
            }
        }
        var vectors: [iovec] = []
        vectors.reserveCapacity(parts.count)
        return nest(0, &vectors)
    }
}
