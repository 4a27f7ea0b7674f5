#if canImport(Glibc)
import Glibc
#endif
import PalisadeSystem
import Synchronization

/// A listening TCP socket on 127.0.0.1 whose connections are each served on a thread of their own
/// with blocking calls (see WireSocket). Closing it stops accepting; served connections go on.
public final class WireListener: Sendable {
    public let port: Int
    let descriptor: Int32
    let closed = Atomic<Bool>(false)

    /// Binds (port 0 picks a free one) and accepts on a thread of its own, calling `serve` on a new
    /// thread for each connection.
    public static func start(port: Int, serve: @escaping @Sendable (WireSocket) -> Void) throws(HTTPExchangeError) -> WireListener {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPExchangeError(.socket, "socket: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 64) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw HTTPExchangeError(.socket, "listen on 127.0.0.1:\(port): \(reason)")
        }
        let listener = WireListener(descriptor: descriptor, port: Int(UInt16(bigEndian: address.sin_port)))
        try DetachedThread.start { listener.acceptLoop(serve) }
        return listener
    }

    init(descriptor: Int32, port: Int) {
        self.descriptor = descriptor
        self.port = port
    }

    func acceptLoop(_ serve: @escaping @Sendable (WireSocket) -> Void) {
        defer { Glibc.close(descriptor) }
        while !closed.load(ordering: .relaxed) {
            let connection = accept(descriptor, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE { continue }
                return
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            do {
                try DetachedThread.start { serve(WireSocket(descriptor: connection)) }
            } catch {
                Glibc.close(connection)
            }
        }
    }

    /// Stops accepting: the accepting thread wakes up, closes the socket and ends.
    public func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }
}

/// A detached POSIX thread running one closure.
public enum DetachedThread {
    final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    public static func start(_ body: @escaping @Sendable () -> Void) throws(HTTPExchangeError) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let start = Unmanaged.passRetained(Start(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { argument in
            Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, start)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw HTTPExchangeError(.socket, "thread: \(String(cString: strerror(result)))")
        }
    }
}
