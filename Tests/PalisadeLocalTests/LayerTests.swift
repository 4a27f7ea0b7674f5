import Foundation
import PalisadeLocal
import Testing

/// The layer's binary must start on Amazon Linux: fully static (no glibc version needed) and free
/// of Foundation (size and cold start). `scripts/test` builds the static agent before the tests.
@Suite struct LayerTests {
    static let staticAgent = Fixtures.repository + "/" + LayerBuilder.staticAgentPath

    @Test func agentDoesNotLinkFoundation() throws {
        let libraries = try LayerBuilder.run("/usr/bin/env", ["ldd", Fixtures.agent])
        #expect(!libraries.contains("Foundation"), "\(libraries)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: staticAgent), "scripts/test builds .build-static first"))
    func layerHoldsAStaticAgentTheWrapperAndTheHooks() throws {
        let zip = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-layer-\(UUID().uuidString).zip").path
        defer { try? FileManager.default.removeItem(atPath: zip) }
        let layer = try LayerBuilder().build(agent: Self.staticAgent, guardLibrary: Fixtures.guardLibrary, output: zip)
        #expect(layer.isStatic, "\(layer.agentLinkage)")
        let dynamicSymbols = (try? LayerBuilder.run("/usr/bin/env", ["objdump", "-T", Self.staticAgent])) ?? ""
        #expect(!dynamicSymbols.contains("GLIBC_"), "a static agent asks the host for no glibc version")
        let listing = try LayerBuilder.run("/usr/bin/env", ["unzip", "-Z", zip])
        #expect(listing.contains("-rwxr-xr-x") && listing.contains("extensions/palisade-agent") && listing.contains("palisade-wrapper"))
        #expect(listing.contains(GuardLibrary.layerPath) && listing.contains(" bootstrap"), "the guard library and the provided.* bootstrap: \(listing)")
        #expect(listing.contains(LayerFiles.pythonHookPath) && listing.contains(LayerFiles.nodeHookPath), "the in-process hooks ship under /opt/palisade")
        #expect(layer.zipBytes < 20 << 20)
    }

    /// provided.* runtimes: /opt/bootstrap → wrapper → the function's renamed bootstrap, with its arguments.
    @Test func providedBootstrapStartsTheRenamedBootstrapThroughTheWrapper() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-provided-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/task", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try LayerFiles.providedBootstrap.write(toFile: directory + "/bootstrap", atomically: true, encoding: .utf8)
        try LayerFiles.wrapperScript.write(toFile: directory + "/palisade-wrapper", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho \"function bootstrap $1 on $AWS_LAMBDA_RUNTIME_API\"\n".write(toFile: directory + "/task/bootstrap.palisade", atomically: true, encoding: .utf8)
        for file in ["bootstrap", "palisade-wrapper", "task/bootstrap.palisade"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/" + file)
        }
        let environment = "LAMBDA_TASK_ROOT=\(directory)/task PALISADE_WRAPPER=\(directory)/palisade-wrapper PALISADE_STATE_DIR=\(directory)/state AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001"
        // No agent here: the wrapper starts the function's bootstrap unprotected (fail-open), as Lambda would.
        let output = try LayerBuilder.run("/bin/sh", ["-c", "env \(environment) \(directory)/bootstrap first 2>&1"])
        #expect(output.contains("function bootstrap first on 127.0.0.1:9001"), "\(output)")
        #expect(output.contains("fail-open"))
        let missing = try? LayerBuilder.run("/bin/sh", ["-c", "env \(environment) PALISADE_BOOTSTRAP=\(directory)/none \(directory)/bootstrap 2>&1"])
        #expect(missing == nil, "no bootstrap to run is an init failure")
    }
}
