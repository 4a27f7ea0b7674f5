import CZlib

/// gzip/zlib inflation for CloudWatch Logs subscription payloads, bounded so a zip bomb stops early.
enum Gzip {
    static func inflate(_ input: [UInt8], limit: Int) -> [UInt8]? {
        guard !input.isEmpty else { return nil }
        var stream = z_stream()
        // 15 + 32: accept both gzip and zlib headers.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var source = input
        return source.withUnsafeMutableBufferPointer { sourceBuffer -> [UInt8]? in
            stream.next_in = sourceBuffer.baseAddress
            stream.avail_in = UInt32(sourceBuffer.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { chunkBuffer -> Int32 in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { return nil }
                if status == Z_STREAM_END { return output }
                guard status == Z_OK else { return nil }
                if produced == 0, stream.avail_in == 0 { return nil }
            }
        }
    }
}
