import CZlib

/// A gzip stream that could not be produced or read.
public enum GzipError: Error, Sendable, Equatable {
    case corrupt
    /// The inflated data would exceed the allowed size (a zip bomb, or simply too much).
    case tooLarge(limit: Int)
}

/// gzip framing for ingest batches: the agent compresses, the console inflates with a bound.
public enum Gzip {
    private static let gzipWindowBits: Int32 = 15 + 16

    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        let ready = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(ready == Z_OK, "zlib deflateInit2 failed: out of memory")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var source = input
        let produced = source.withUnsafeMutableBufferPointer { sourceBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer -> Int in
                stream.next_in = sourceBuffer.baseAddress
                stream.avail_in = UInt32(sourceBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate into a deflateBound-sized buffer must finish")
                return outputBuffer.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    public static func decompress(_ input: [UInt8], limit: Int) throws(GzipError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw .corrupt }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var window = [UInt8](repeating: 0, count: 32 << 10)
        var source = input
        let outcome: GzipError? = source.withUnsafeMutableBufferPointer { sourceBuffer in
            stream.next_in = sourceBuffer.baseAddress
            stream.avail_in = UInt32(sourceBuffer.count)
            while true {
                let (status, produced) = window.withUnsafeMutableBufferPointer { windowBuffer -> (Int32, Int) in
                    stream.next_out = windowBuffer.baseAddress
                    stream.avail_out = UInt32(windowBuffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, windowBuffer.count - Int(stream.avail_out))
                }
                output.append(contentsOf: window[..<produced])
                if output.count > limit { return .tooLarge(limit: limit) }
                if status == Z_STREAM_END { return stream.avail_in == 0 ? nil : .corrupt }
                if status != Z_OK || (produced == 0 && stream.avail_in == 0) { return .corrupt }
            }
        }
        if let outcome { throw outcome }
        return output
    }
}
