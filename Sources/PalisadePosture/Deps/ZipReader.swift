import CZlib
import Foundation

/// Reads the entries of a zip archive (stored or deflated, with Zip64 directories), enough for OSV's
/// `all.zip` exports, without another package dependency.
enum ZipReader {
    static func forEachEntry(in data: Data, file: String, _ body: (String, Data) throws(PostureError) -> Void) throws(PostureError) {
        let bytes = [UInt8](data)
        func fail(_ message: String) -> PostureError { PostureError(.invalidLockfile, file: file, "not a readable zip archive: \(message)") }
        func u16(_ at: Int) -> Int { at + 2 <= bytes.count ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : 0 }
        func u32(_ at: Int) -> Int { at + 4 <= bytes.count ? u16(at) | u16(at + 2) << 16 : 0 }
        func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }

        guard bytes.count >= 22 else { throw fail("too short") }
        var end = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while end >= lowest && u32(end) != 0x0605_4B50 { end -= 1 }
        guard end >= lowest else { throw fail("no end of central directory") }
        var directory = u32(end + 16)
        if directory == 0xFFFF_FFFF, end >= 20, u32(end - 20) == 0x0706_4B50 {
            let zip64End = u64(end - 20 + 8)
            guard u32(zip64End) == 0x0606_4B50 else { throw fail("bad Zip64 end record") }
            directory = u64(zip64End + 48)
        }
        var position = directory
        while u32(position) == 0x0201_4B50 {
            let method = u16(position + 10)
            let compressedSize = u32(position + 20)
            let size = u32(position + 24)
            let nameLength = u16(position + 28)
            let skip = nameLength + u16(position + 30) + u16(position + 32)
            let local = u32(position + 42)
            guard position + 46 + nameLength <= bytes.count else { throw fail("truncated central directory") }
            let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            position += 46 + skip
            guard u32(local) == 0x0403_4B50 else { throw fail("bad local header for \(name)") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            guard start + compressedSize <= bytes.count else { throw fail("truncated entry \(name)") }
            let stored = Array(bytes[start..<(start + compressedSize)])
            switch method {
            case 0: try body(name, Data(stored))
            case 8: try body(name, try Inflater.inflate(stored, format: .raw, sizeHint: size, name: "\(file)#\(name)"))
            default: throw fail("entry \(name) uses compression method \(method)")
            }
        }
    }
}
