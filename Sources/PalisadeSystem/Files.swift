#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file operation failed, with the path and the system's reason.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case open = "file.open"
        case read = "file.read"
        case write = "file.write"
        case tooLarge = "file.too_large"
    }

    public let code: Code
    public let path: String
    public let reason: String

    public init(_ code: Code, _ path: String, errno number: Int32) {
        self.code = code
        self.path = path
        self.reason = String(cString: strerror(number))
    }

    init(_ code: Code, _ path: String, reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(path): \(reason)" }
}

/// Small POSIX file helpers: whole-file reads, appends and atomic replacement.
public enum Files {
    /// Reads a whole file, refusing more than `limit` bytes so a wrong path cannot exhaust memory.
    public static func read(_ path: String, limit: Int = 16 << 20) throws(FileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(.open, path, errno: errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(.read, path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= limit else { throw FileError(.tooLarge, path, reason: "more than \(limit) bytes") }
        }
    }

    /// Appends bytes, creating the file (mode 0600) when needed.
    public static func append(_ bytes: [UInt8], to path: String) throws(FileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileError(.open, path, errno: errno) }
        defer { close(descriptor) }
        try writeAll(bytes, to: descriptor, path: path)
    }

    /// Replaces a file's content atomically (write beside it, then rename), so readers never see half.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(FileError) {
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileError(.open, temporary, errno: errno) }
        do {
            try writeAll(bytes, to: descriptor, path: temporary)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw FileError(.write, path, errno: errno) }
    }

    public static func createDirectory(_ path: String) throws(FileError) {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw FileError(.write, path, errno: errno) }
    }

    public static func size(of path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    public static func remove(_ path: String) {
        unlink(path)
    }

    /// What a symbolic link points at, as stored; nil when `path` is not a link or cannot be read.
    public static func linkTarget(_ path: String) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer -> String? in
            let length = readlink(path, buffer.baseAddress!, buffer.count)
            guard length > 0, length < buffer.count else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: length), as: UTF8.self)
        }
    }

    /// Writes to a descriptor until every byte is out (stderr included), retrying short writes.
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileError(.write, path, errno: errno)
            }
            offset += written
        }
    }
}

extension Files {
    /// Names in a directory, without `.` and `..`; empty when it cannot be read.
    public static func list(_ directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file or a whole directory tree; symbolic links are removed, never followed.
    public static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
