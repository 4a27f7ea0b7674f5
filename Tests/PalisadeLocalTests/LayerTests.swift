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
        let layer = try LayerBuilder().build(agent: Self.staticAgent, output: zip)
        #expect(layer.isStatic, "\(layer.agentLinkage)")
        let dynamicSymbols = (try? LayerBuilder.run("/usr/bin/env", ["objdump", "-T", Self.staticAgent])) ?? ""
        #expect(!dynamicSymbols.contains("GLIBC_"), "a static agent asks the host for no glibc version")
        let listing = try LayerBuilder.run("/usr/bin/env", ["unzip", "-Z", zip])
        #expect(listing.contains("-rwxr-xr-x") && listing.contains("extensions/palisade-agent") && listing.contains("palisade-wrapper"))
        #expect(listing.contains(LayerFiles.pythonHookPath) && listing.contains(LayerFiles.nodeHookPath), "the in-process hooks ship under /opt/palisade")
        #expect(layer.zipBytes < 20 << 20)
    }
}
