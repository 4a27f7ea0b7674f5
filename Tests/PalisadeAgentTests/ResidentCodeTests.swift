@testable import PalisadeSystem
import Testing

@Suite struct ResidentCodeTests {
    /// Resident kilobytes of this executable's read-only mappings, from /proc/self/smaps.
    static func residentCodeKilobytes() throws -> Int {
        let smaps = String(decoding: try Files.read("/proc/self/smaps", limit: 64 << 20), as: UTF8.self)
        let executable = try #require(Files.linkTarget("/proc/self/exe"))
        var total = 0
        var counting = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first?.contains("-") == true, fields.count >= 5, fields[0].first?.isHexDigit == true {
                counting = fields.count == 6 && String(fields[5]) == executable && !fields[1].dropFirst().hasPrefix("w")
            } else if counting, fields.first == "Rss:", fields.count > 1, let kilobytes = Int(fields[1]) {
                total += kilobytes
            }
        }
        return total
    }

    @Test func releasedCodeLeavesMemoryAndStillRuns() throws {
        let before = try Self.residentCodeKilobytes()
        let advised = ResidentCode.release()
        let after = try Self.residentCodeKilobytes()
        #expect(advised > 0)
        #expect(after < before / 2, "resident code went from \(before) KB to \(after) KB")
        // The code that runs next faults back in.
        #expect(try Self.residentCodeKilobytes() > 0)
    }

    @Test func mapsLinesParse() throws {
        let line = Array("7f14a000-7f14b000 r-xp 00001000 08:01 1234   /opt/extensions/palisade-agent".utf8)
        let mapping = try #require(ResidentCode.Mapping(line[...]))
        #expect(mapping.start == 0x7f14a000 && mapping.end == 0x7f14b000)
        #expect(!mapping.writable)
        #expect(mapping.path == "/opt/extensions/palisade-agent")
        #expect(ResidentCode.Mapping(Array("00400000-00401000 rw-p 00000000 00:00 0".utf8)[...]) == nil, "anonymous mappings have no path")
    }
}
