import Foundation
import Testing

/// Runs python3 and fails the test with its error output if it exits non-zero.
func runPython(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "python3 failed: \(message)")
}

/// A python3 program that serves in the background and announces itself on its first output line.
final class PythonService {
    private let process = Process()
    private let input = Pipe()
    let firstLine: String

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        firstLine = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SIGKILL, because a child of the test runner may inherit a mask that blocks SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Python's `http.server` on 127.0.0.1 with a port the kernel picks, serving one directory.
final class LoopbackFileServer {
    let service: PythonService
    let url: URL

    init(directory: URL) throws {
        service = try PythonService(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path])
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = service.firstLine.components(separatedBy: " port ").dropFirst().first?.split(separator: " ").first.map(String.init)
        url = URL(string: "http://127.0.0.1:\(try #require(port, "no port in: \(service.firstLine)"))")!
    }

    func stop() {
        service.stop()
    }
}
