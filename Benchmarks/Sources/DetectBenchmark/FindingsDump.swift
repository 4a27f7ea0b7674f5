import Foundation
import PalisadeDetect

/// Prints every event's verdict under three configurations (CRS pack at PL1, at PL4, and off), one
/// line each, so two builds can be compared byte for byte: a speed change must keep every finding.
///
///     DetectBenchmark --findings events.jsonl > findings.txt
func dumpFindings(eventsFile path: String) throws(BenchmarkError) {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchmarkError("cannot read \(path)") }
    let lines = [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    var highest = DetectorOptions()
    highest.paranoiaLevel = 4
    let configurations: [(String, DetectorOptions)] = [("pl1", DetectorOptions()), ("pl4", highest), ("own", withoutCRSRules())]
    for (name, options) in configurations {
        let detector = Detector(options: options)
        var text = ""
        for (number, line) in lines.enumerated() where !line.isEmpty {
            let result: String
            do {
                result = try detector.inspect(event: line).jsonLine()
            } catch {
                result = "error: \(error)"
            }
            text += "\(name)\t\(number + 1)\t\(result)\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
