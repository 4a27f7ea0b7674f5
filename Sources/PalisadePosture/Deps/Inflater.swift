import CZlib
import Foundation

/// zlib's inflate for the two framings the posture tools meet: raw deflate (zip entries) and gzip
/// (botocore's `service-2.json.gz`).
enum Inflater {
    enum Format {
        case raw, gzip

        var windowBits: Int32 { self == .raw ? -MAX_WBITS : MAX_WBITS + 16 }
    }

    static func inflate(_ input: [UInt8], format: Format, sizeHint: Int, name: String) throws(PostureError) -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw PostureError(.invalidLockfile, file: name, "cannot start inflating")
        }
        defer { inflateEnd(&stream) }
        var input = input
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: max(sizeHint, 64 * 1024))
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while status == Z_OK {
                status = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if status == Z_BUF_ERROR && stream.avail_in > 0 { status = Z_OK }
            }
        }
        guard status == Z_STREAM_END else {
            throw PostureError(.invalidLockfile, file: name, "data does not inflate (zlib status \(status))")
        }
        return output
    }
}
