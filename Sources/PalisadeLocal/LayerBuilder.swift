import Foundation

/// Packs the Lambda layer: the agent as an external extension, the exec wrapper, the behaviour
/// guard's preload library and the bootstrap for provided.* runtimes, zipped with the paths Lambda
/// expects under /opt.
public struct LayerBuilder: Sendable {
    /// What was built, for the command to print.
    public struct Layer: Sendable {
        public var zipPath: String
        public var zipBytes: Int
        public var agentBytes: Int
        /// `file`'s description of the agent, e.g. "... statically linked ...".
        public var agentLinkage: String
        public var isStatic: Bool { agentLinkage.contains("statically linked") || agentLinkage.contains("static-pie linked") }
    }

    /// The swift build that makes an agent binary with no runtime dependency on the host's glibc version.
    public static let staticBuildArguments = [
        "build", "-c", "release", "--product", "palisade-agent",
        "--static-swift-stdlib", "-Xswiftc", "-static-executable", "--scratch-path", ".build-static",
    ]

    public static let staticAgentPath = ".build-static/release/palisade-agent"

    public init() {}

    /// `guardLibrary` is the behaviour guard's preload library (GuardLibrary), put at lib/palisade-guard.so.
    public func build(agent: String, guardLibrary: String? = nil, output: String) throws -> Layer {
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-layer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try FileManager.default.createDirectory(atPath: staging + "/extensions", withIntermediateDirectories: true)
        let stagedAgent = staging + "/" + LayerFiles.agentPath
        try FileManager.default.copyItem(atPath: agent, toPath: stagedAgent)
        try Self.run("/usr/bin/env", ["strip", stagedAgent])
        try LayerFiles.wrapperScript.write(toFile: staging + "/" + LayerFiles.wrapperPath, atomically: true, encoding: .utf8)
        try LayerFiles.providedBootstrap.write(toFile: staging + "/" + LayerFiles.bootstrapPath, atomically: true, encoding: .utf8)
        try LayerFiles.writeInProcessHooks(under: staging)
        var entries = [LayerFiles.wrapperPath, LayerFiles.bootstrapPath, "extensions", "palisade"]
        var executables = [stagedAgent, staging + "/" + LayerFiles.wrapperPath, staging + "/" + LayerFiles.bootstrapPath]
        if let guardLibrary {
            try FileManager.default.createDirectory(atPath: staging + "/lib", withIntermediateDirectories: true)
            let stagedLibrary = staging + "/" + GuardLibrary.layerPath
            try FileManager.default.copyItem(atPath: guardLibrary, toPath: stagedLibrary)
            try Self.run("/usr/bin/env", ["strip", "--strip-unneeded", stagedLibrary])
            entries.append("lib")
            executables.append(stagedLibrary)
        }
        for path in executables {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        try? FileManager.default.removeItem(atPath: output)
        try Self.run("/usr/bin/env", ["zip", "-q", "-X", "-r", output] + entries, directory: staging)
        let linkage = try Self.run("/usr/bin/env", ["file", "-b", stagedAgent])
        return Layer(
            zipPath: output,
            zipBytes: (try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0,
            agentBytes: (try FileManager.default.attributesOfItem(atPath: stagedAgent)[.size] as? Int) ?? 0,
            agentLinkage: linkage.trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// Runs a tool to completion; its output, or an error with what it printed.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], directory: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw LayerBuildError(command: ([executable] + arguments).joined(separator: " "), output: text)
        }
        return text
    }
}

/// A step of the layer build failed; carries the tool's own words.
public struct LayerBuildError: Error, Sendable, CustomStringConvertible {
    public let command: String
    public let output: String
    public var description: String { "layer.command_failed: \(command)\n\(output.suffix(2000))" }
}
