import Foundation
import PalisadeLocal
import Testing

/// The Python and Node.js hooks as the wrapper loads them, in real interpreters, on the paths that
/// need no agent: off when the guard is off, fail-open and fail-closed when the agent is gone, and a
/// function's own sitecustomize still run. (With the agent: the end-to-end tests.)
@Suite struct InProcessHookTests {
    /// Runs `command` with the layer's hooks enabled the way the wrapper does it.
    static func run(_ command: [String], guardSocket: String?, environment: [String: String] = [:], pythonPath: [String] = []) throws -> (status: Int32, output: String, errors: String) {
        let layer = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-hooks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: layer) }
        try LayerFiles.writeInProcessHooks(under: layer)
        let script = LayerFiles.inProcessHooksScript + "\npalisade_hooks\nexec \"$@\"\n"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "sh"] + command
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PALISADE_") && $0.key != "NODE_OPTIONS" }
        variables["PYTHONPATH"] = pythonPath.isEmpty ? nil : pythonPath.joined(separator: ":")
        variables["PALISADE_LAYER_DIR"] = layer
        variables["PALISADE_GUARD_SOCKET"] = guardSocket
        process.environment = variables.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static let missingSocket = "/tmp/palisade-no-agent-\(UUID().uuidString).sock"

    static let pythonProbe = """
    import subprocess, sys
    try:
        print(subprocess.run(["echo", "ran"], capture_output=True, text=True).stdout.strip())
    except PermissionError as error:
        print("denied", error.errno)
    print("hooked" if "sitecustomize" in sys.modules and hasattr(sys.modules["sitecustomize"], "_palisade_install") else "plain")
    """

    /// /opt is read-only in Lambda: the hook ships compiled, and the interpreter runs it from that byte
    /// code without compiling the source (nor writing anything) at start.
    @Test func pythonHookShipsCompiledForTheInstalledPython() throws {
        // The .pyc's flags word (bytes 4-7): 1 is hash-based and unchecked.
        let probe = "import sitecustomize, sys; print(sitecustomize.__cached__, sys.implementation.cache_tag, open(sitecustomize.__cached__, 'rb').read(8)[4])"
        let result = try Self.run(["python3", "-v", "-c", probe], guardSocket: Self.missingSocket, environment: ["PYTHONDONTWRITEBYTECODE": "1"])
        let words = result.output.split(whereSeparator: \.isWhitespace).map(String.init)
        try #require(words.count == 3, "\(result.output) \(result.errors.suffix(2000))")
        #expect(words[0].hasSuffix("/palisade/python/__pycache__/sitecustomize.\(words[1]).pyc"))
        #expect(result.errors.contains("code object from '\(words[0])'"), "loaded from the byte code the layer ships")
        #expect(words[2] == "1", "an unchecked hash-based .pyc: no time stamp to compare")
    }

    @Test func pythonHookIsInertWhenTheGuardIsOff() throws {
        let result = try Self.run(["python3", "-c", Self.pythonProbe], guardSocket: nil)
        #expect(result.status == 0)
        #expect(result.output == "ran\nplain\n", "without PALISADE_GUARD_SOCKET the wrapper does not even put the hook on the path")
        #expect(result.errors.isEmpty)
    }

    @Test func pythonHookFailsOpenWithOneWarningWhenTheAgentIsGone() throws {
        let probe = Self.pythonProbe + "\nprint(subprocess.run(['echo', 'again'], capture_output=True, text=True).stdout.strip())\n"
        let result = try Self.run(["python3", "-c", probe], guardSocket: Self.missingSocket)
        #expect(result.output == "ran\nhooked\nagain\n")
        let warnings = result.errors.split(separator: "\n").filter { $0.contains("fail-open") }
        #expect(warnings.count == 1, "one line per process, not per call: \(result.errors)")
    }

    @Test func pythonHookFailsClosedWhenAskedTo() throws {
        let result = try Self.run(["python3", "-c", Self.pythonProbe], guardSocket: Self.missingSocket, environment: ["PALISADE_GUARD_FAIL_CLOSED": "1"])
        #expect(result.output == "denied 1\nhooked\n")
        #expect(result.errors.contains(#""palisade":"guard","action":"blocked","source":"python","api":"subprocess.Popen""#), "\(result.errors)")
    }

    @Test func aFunctionsOwnSitecustomizeStillRuns() throws {
        let own = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-own-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: own) }
        try "import builtins\nbuiltins.OWN_SITECUSTOMIZE = True\n".write(toFile: own + "/sitecustomize.py", atomically: true, encoding: .utf8)
        let probe = "import builtins, os\nprint(getattr(builtins, 'OWN_SITECUSTOMIZE', False))\ntry:\n    os.system('true')\nexcept PermissionError:\n    print('guarded')\n"
        let result = try Self.run(["python3", "-c", probe], guardSocket: Self.missingSocket, environment: ["PALISADE_GUARD_FAIL_CLOSED": "1"], pythonPath: [own])
        #expect(result.output == "True\nguarded\n", "\(result.errors)")
    }

    static let nodeProbe = """
    const cp = require('child_process');
    try { console.log(cp.execFileSync('echo', ['ran']).toString().trim()); } catch (error) { console.log('denied', error.code); }
    import('node:child_process').then((esm) => {
      try { esm.execSync('true'); console.log('esm ran'); } catch (error) { console.log('esm denied', error.code); }
    });
    """

    @Test func nodeHookIsInertWhenTheGuardIsOffAndFailsOpenWithoutTheAgent() throws {
        let off = try Self.run(["node", "-e", Self.nodeProbe], guardSocket: nil)
        #expect(off.output == "ran\nesm ran\n" && off.errors.isEmpty)
        let open = try Self.run(["node", "-e", Self.nodeProbe], guardSocket: Self.missingSocket)
        #expect(open.output == "ran\nesm ran\n")
        #expect(open.errors.split(separator: "\n").filter { $0.contains("fail-open") }.count == 1, "\(open.errors)")
    }

    @Test func nodeHookFailsClosedForCommonJSAndESModules() throws {
        let result = try Self.run(["node", "-e", Self.nodeProbe], guardSocket: Self.missingSocket, environment: ["PALISADE_GUARD_FAIL_CLOSED": "1"])
        #expect(result.output == "denied EPERM\nesm denied EPERM\n")
        #expect(result.errors.contains(#""api":"child_process.execFileSync""#), "\(result.errors)")
    }

    static let lazyProbe = """
    const loaded = process.moduleLoadList.filter((name) => /^NativeModule (child_process|net|dns|internal\\/fs\\/promises)$/.test(name));
    console.log('preloaded ' + loaded.join(','));
    require('http').get('http://127.0.0.1:9/', () => {}).on('error', (error) => console.log('http ' + error.code));
    require('fs').promises.readFile('/etc/hostname').catch((error) => console.log('fs.promises ' + error.code));
    require('node:dns').lookup('example.com', (error) => console.log('dns ' + (error && error.code)));
    """

    @Test func nodeHookLoadsNothingAtStartAndHooksModulesWhenTheyAreLoaded() throws {
        let result = try Self.run(["node", "-e", Self.lazyProbe], guardSocket: Self.missingSocket, environment: ["PALISADE_GUARD_FAIL_CLOSED": "1"])
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "preloaded ", "child_process, net, dns and fs.promises are left to the function: \(result.output)")
        #expect(Set(lines.dropFirst()) == ["http EPERM", "fs.promises EPERM", "dns EPERM"], "net loaded inside http, fs.promises and dns are hooked before first use: \(result.output) \(result.errors)")
        #expect(result.errors.contains(#""api":"net.connect""#) && result.errors.contains(#""api":"fs.promises.readFile""#) && result.errors.contains(#""api":"dns.lookup""#), "\(result.errors)")
    }
}
