import Foundation
import Testing
@testable import PalisadePosture

@Suite struct DepsTests {
    static let depsFixtures = fixtures.appendingPathComponent("deps")

    static func database() throws -> AdvisoryDatabase {
        var database = AdvisoryDatabase()
        let directory = depsFixtures.appendingPathComponent("osv")
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            let file = directory.appendingPathComponent(name)
            try database.add(osv: Data(contentsOf: file), file: file.path)
        }
        return database
    }

    @Test(arguments: [
        ("1.0", "1.0.0", false), ("1.0a1", "1.0", true), ("1.0.dev1", "1.0a1", true), ("1.0", "1.0.post1", true),
        ("1.0rc2", "1.0", true), ("2.0", "10.0", true), ("1!0.1", "2.0", false), ("1.0+local", "1.0.1", true),
    ])
    func pep440Ordering(lower: String, higher: String, strictlyLess: Bool) throws {
        let left = try #require(PEP440Version(lower))
        let right = try #require(PEP440Version(higher))
        #expect((left < right) == strictlyLess)
        if !strictlyLess && lower != "1!0.1" { #expect(left == right) }
    }

    @Test(arguments: [
        ("1.2.3", "1.2.10", true), ("1.0.0-alpha", "1.0.0", true), ("1.0.0-alpha.1", "1.0.0-alpha.beta", true),
        ("1.0.0-beta.2", "1.0.0-beta.11", true), ("1.0.0", "1.0.0-rc.1", false), ("2.0.0", "2.0.0+build", false),
    ])
    func semverOrdering(lower: String, higher: String, strictlyLess: Bool) throws {
        #expect((try #require(SemanticVersion(lower)) < (try #require(SemanticVersion(higher)))) == strictlyLess)
    }

    @Test func lockfilesOfEveryFormat() throws {
        let python = try Lockfiles.read(Self.depsFixtures.appendingPathComponent("python/requirements.txt").path)
        #expect(python.map { "\($0.name)@\($0.version):\($0.line)" } == ["requests@2.25.0:2", "PyYAML@5.3.1:3", "Django@3.2.0:5", "urllib3@2.2.2:7"])
        let poetry = try Lockfiles.read(Self.depsFixtures.appendingPathComponent("python/poetry.lock").path)
        #expect(poetry.map { "\($0.name)@\($0.version):\($0.line)" } == ["pyyaml@6.0.1:3", "Django@3.2.13:9"])
        let pipfile = try Lockfiles.read(Self.depsFixtures.appendingPathComponent("python/Pipfile.lock").path)
        #expect(pipfile.map { "\($0.name)@\($0.version):\($0.line)" } == ["django@3.2.14:11", "requests@2.31.0:7", "pyyaml@5.1:16"])
        let v1 = try Lockfiles.read(Self.depsFixtures.appendingPathComponent("node-v1/package-lock.json").path)
        #expect(v1.map { "\($0.name)@\($0.version)" } == ["lodash@4.17.11", "minimist@1.2.6", "mkdirp@0.5.1", "minimist@0.0.8"])
        let v3 = try Lockfiles.read(Self.depsFixtures.appendingPathComponent("node-v3/package-lock.json").path)
        #expect(v3.map { "\($0.name)@\($0.version):\($0.line)" } == [
            "@aws-sdk/client-s3@3.400.0:14", "lodash@4.17.21:17", "minimist@1.2.5:23", "semver-pre@2.0.0-beta.2:20",
        ])
        let classic = try Lockfiles.read(Self.depsFixtures.appendingPathComponent("yarn-classic/yarn.lock").path)
        #expect(classic.map { "\($0.name)@\($0.version):\($0.line)" } == ["@aws-sdk/client-s3@3.400.0:5", "lodash@4.17.4:9"])
        let berry = try Lockfiles.read(Self.depsFixtures.appendingPathComponent("yarn-berry/yarn.lock").path)
        #expect(berry.map { "\($0.name)@\($0.version)" } == ["minimist@1.2.0", "semver-pre@2.0.0-beta.1"])
    }

    /// The expected list was written by reading the fixtures against the advisories' ranges.
    @Test func matchesAdvisoriesByRange() throws {
        let report = DependencyScanner.scan(paths: [Self.depsFixtures.path], database: try Self.database())
        #expect(report.errors.isEmpty)
        let found = Set(report.vulnerabilities.map {
            "\(($0.package.file as NSString).pathComponents.suffix(2).joined(separator: "/")) \($0.package.name)@\($0.package.version) \($0.advisory.id)"
        })
        #expect(found == [
            "python/requirements.txt requests@2.25.0 GHSA-j8r2-6x86-q33q",
            "python/requirements.txt PyYAML@5.3.1 GHSA-8q59-q68h-6hv4",
            "python/requirements.txt Django@3.2.0 GHSA-p64x-8rxx-wf6q",
            "python/poetry.lock Django@3.2.13 GHSA-p64x-8rxx-wf6q",
            "python/Pipfile.lock pyyaml@5.1 GHSA-8q59-q68h-6hv4",
            "node-v1/package-lock.json lodash@4.17.11 GHSA-jf85-cpcp-j695",
            "node-v1/package-lock.json minimist@0.0.8 GHSA-xvch-5gv4-984h",
            "node-v3/package-lock.json minimist@1.2.5 GHSA-xvch-5gv4-984h",
            "yarn-classic/yarn.lock lodash@4.17.4 GHSA-jf85-cpcp-j695",
            "yarn-berry/yarn.lock minimist@1.2.0 GHSA-xvch-5gv4-984h",
            "yarn-berry/yarn.lock semver-pre@2.0.0-beta.1 PALISADE-TEST-0001",
        ])
        let minimist = try #require(report.vulnerabilities.first { $0.package.version == "0.0.8" })
        #expect(minimist.fixedVersion == "0.2.4")
        #expect(minimist.severity == .critical)
        #expect(DependencyScanner.renderTable(report).contains("11 known vulnerabilities"))
    }

    @Test func brokenLockfileIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-deps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "{ \"lockfileVersion\": 3, ".write(to: directory.appendingPathComponent("package-lock.json"), atomically: true, encoding: .utf8)
        let report = DependencyScanner.scan(paths: [directory.path], database: try Self.database())
        #expect(report.errors.map(\.code) == [.invalidLockfile])
        #expect(report.errors.first?.file?.hasSuffix("package-lock.json") == true)
    }

    /// `deps update` against a file server on loopback serving zip exports made from the fixtures.
    @Test func updateDownloadsTheOSVExports() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-osv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let osv = Self.depsFixtures.appendingPathComponent("osv").path
        let zipper = """
        import json, os, sys, zipfile
        source, target = sys.argv[1], sys.argv[2]
        for ecosystem in ("PyPI", "npm"):
            os.makedirs(os.path.join(target, ecosystem), exist_ok=True)
            with zipfile.ZipFile(os.path.join(target, ecosystem, "all.zip"), "w", zipfile.ZIP_DEFLATED) as archive:
                for name in sorted(os.listdir(source)):
                    record = json.load(open(os.path.join(source, name)))
                    if any(a["package"]["ecosystem"] == ecosystem for a in record["affected"]):
                        archive.write(os.path.join(source, name), name)
        """
        try runPython(["-c", zipper, osv, root.appendingPathComponent("site").path])
        let server = try LoopbackFileServer(directory: root.appendingPathComponent("site"))
        defer { server.stop() }
        let database = root.appendingPathComponent("db")
        let counts = try AdvisoryUpdater(source: server.url, directory: database).update()
        #expect(counts == [.pypi: 3, .npm: 3])
        let loaded = try AdvisoryDatabase.load(from: database)
        let lodash = LockedPackage(ecosystem: .npm, name: "lodash", version: "4.17.11", file: "x", line: 1)
        #expect(loaded.advisories(for: lodash).map(\.id) == ["GHSA-jf85-cpcp-j695"])
        #expect(throws: PostureError.self) { try AdvisoryUpdater(source: server.url.appendingPathComponent("missing"), directory: database).update() }
    }
}
