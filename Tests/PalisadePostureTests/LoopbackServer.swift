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

/// Python's `http.server` on 127.0.0.1 with a port the kernel picks, serving one directory.
final class LoopbackFileServer {
    let process = Process()
    let url: URL

    init(directory: URL) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line names the port: "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ...".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        let port = text.components(separatedBy: " port ").dropFirst().first?.split(separator: " ").first.map(String.init)
        url = URL(string: "http://127.0.0.1:\(try #require(port, "no port in: \(text)"))")!
    }

    /// SIGKILL, because a child of the test runner may inherit a mask that blocks SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
