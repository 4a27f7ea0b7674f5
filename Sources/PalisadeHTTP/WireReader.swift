/// Reads HTTP/1.1 messages from a WireSocket on bytes: heads whole, bodies whole (decoded) or
/// passed on to another socket as they arrive, in their own framing.
public final class WireReader {
    public let socket: WireSocket
    var buffer: [UInt8]
    var start = 0
    var end = 0

    public init(_ socket: WireSocket, capacity: Int = 64 << 10) {
        self.socket = socket
        buffer = [UInt8](repeating: 0, count: capacity)
    }

    /// Bytes read from the socket and not yet taken.
    public var buffered: Int { end - start }

    /// Reads once more from the socket; false at the end of the stream.
    @discardableResult
    public func fill() throws(HTTPExchangeError) -> Bool {
        if start == end { (start, end) = (0, 0) }
        if end == buffer.count {
            if start > 0 {
                buffer.withUnsafeMutableBytes { bytes in
                    bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + start, byteCount: end - start)
                }
                (start, end) = (0, end - start)
            } else {
                buffer += [UInt8](repeating: 0, count: buffer.count)
            }
        }
        let read = buffer.withUnsafeMutableBytes { bytes in
            Result { () throws(HTTPExchangeError) in try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[end...])) }
        }
        let count = try read.get()
        end += count
        return count > 0
    }

    /// The next message's head, or nil when the stream ends before one begins.
    public func readHead(limit: Int = 256 << 10) throws(HTTPExchangeError) -> WireHead? {
        // How far past `start` the search already went (indices move when `fill` compacts).
        var searched = 0
        while true {
            if let blank = Self.blankLine(in: buffer, from: start + max(0, searched - 3), to: end) {
                let head = Array(buffer[start..<blank])
                start = blank
                return try WireHead(bytes: head)
            }
            searched = end - start
            guard searched <= limit else { throw HTTPExchangeError(.malformed, "head over \(limit) bytes") }
            guard try fill() else {
                if searched == 0 { return nil }
                throw HTTPExchangeError(.connectionClosed, "the stream ended inside a head")
            }
        }
    }

    /// The index just after the first CRLF CRLF in `bytes[from..<to]`.
    static func blankLine(in bytes: [UInt8], from: Int, to: Int) -> Int? {
        var index = from
        while index + 3 < to {
            if bytes[index + 3] != 10 { index += bytes[index + 3] == 13 ? 1 : 4; continue }
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13 { return index + 4 }
            index += 1
        }
        return nil
    }

    /// A whole body, decoded from its framing (trailers are dropped), refusing more than `limit` bytes.
    public func readBody(_ framing: BodyFraming, limit: Int) throws(HTTPExchangeError) -> [UInt8] {
        switch framing {
        case .none:
            return []
        case .length(let length):
            guard length <= limit else { throw HTTPExchangeError(.bodyTooLarge, "body of \(length) bytes, over \(limit)") }
            var body: [UInt8] = []
            body.reserveCapacity(length)
            try take(length) { body += $0 }
            return body
        case .chunked:
            var body: [UInt8] = []
            while true {
                let size = try chunkSize(try line())
                if size == 0 {
                    while try !line().isEmpty {}
                    return body
                }
                guard body.count + size <= limit else { throw HTTPExchangeError(.bodyTooLarge, "body over \(limit) bytes") }
                try take(size) { body += $0 }
                guard try line().isEmpty else { throw HTTPExchangeError(.malformed, "chunk without its line end") }
            }
        case .untilClose:
            var body: [UInt8] = []
            repeat {
                body += buffer[start..<end]
                start = end
                guard body.count <= limit else { throw HTTPExchangeError(.bodyTooLarge, "body over \(limit) bytes") }
            } while try fill()
            return body
        }
    }

    /// Passes a body on to `output` in its own framing, each piece as soon as it arrives, after
    /// `leading` (its head: a small message leaves in one write); `guardData` may change the data
    /// bytes (not their number) on the way.
    public func relayBody(_ framing: BodyFraming, to output: WireSocket, leading: ArraySlice<UInt8> = [], guardData: ((inout [UInt8]) -> Void)? = nil) throws(HTTPExchangeError) {
        var pending = Array(leading)
        func data(_ piece: ArraySlice<UInt8>) {
            guard let guardData else { return pending += piece }
            var bytes = Array(piece)
            guardData(&bytes)
            pending += bytes
        }
        func flush() throws(HTTPExchangeError) {
            guard !pending.isEmpty else { return }
            try output.write(pending[...])
            pending.removeAll(keepingCapacity: true)
        }
        switch framing {
        case .none:
            break
        case .length(let length):
            try take(length, beforeWaiting: flush) { data($0) }
        case .chunked:
            while true {
                let sizeLine = try line(beforeWaiting: flush)
                let size = try chunkSize(sizeLine)
                pending += sizeLine
                pending += [13, 10]
                if size == 0 {
                    while true {
                        let trailer = try line(beforeWaiting: flush)
                        pending += trailer
                        pending += [13, 10]
                        if trailer.isEmpty { break }
                    }
                    break
                }
                try take(size, beforeWaiting: flush) { data($0) }
                guard try line(beforeWaiting: flush).isEmpty else { throw HTTPExchangeError(.malformed, "chunk without its line end") }
                pending += [13, 10]
            }
        case .untilClose:
            repeat {
                data(buffer[start..<end])
                start = end
                try flush()
            } while try fill()
        }
        try flush()
    }

    /// Hands `count` bytes to `body` piece by piece as they arrive.
    func take(_ count: Int, beforeWaiting: () throws(HTTPExchangeError) -> Void = {}, _ body: (ArraySlice<UInt8>) -> Void) throws(HTTPExchangeError) {
        var remaining = count
        while remaining > 0 {
            if start == end {
                try beforeWaiting()
                guard try fill() else { throw HTTPExchangeError(.connectionClosed, "the stream ended inside a body") }
            }
            let piece = min(remaining, end - start)
            body(buffer[start..<start + piece])
            start += piece
            remaining -= piece
        }
    }

    /// One line without its CRLF.
    func line(beforeWaiting: () throws(HTTPExchangeError) -> Void = {}) throws(HTTPExchangeError) -> ArraySlice<UInt8> {
        var searched = start
        while true {
            var index = max(start, searched - 1)
            while index + 1 < end {
                if buffer[index] == 13, buffer[index + 1] == 10 {
                    let line = buffer[start..<index]
                    start = index + 2
                    return line
                }
                index += 1
            }
            searched = end
            guard end - start <= 64 << 10 else { throw HTTPExchangeError(.malformed, "line over 64 KB") }
            try beforeWaiting()
            let offset = start
            guard try fill() else { throw HTTPExchangeError(.connectionClosed, "the stream ended inside a line") }
            searched -= offset - start
        }
    }

    func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPExchangeError) -> Int {
        let digits = line.prefix { $0 != UInt8(ascii: ";") && $0 != 32 && $0 != 9 }
        guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
            throw HTTPExchangeError(.malformed, "chunk size \(String(decoding: line.prefix(20), as: UTF8.self))")
        }
        return size
    }
}
