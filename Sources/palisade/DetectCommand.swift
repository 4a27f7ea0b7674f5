import ArgumentParser
import PalisadeDetect
import PalisadeJSON

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Inspect Lambda events for injection attacks.",
        discussion: """
            Prints one JSON object per event: verdict (attack or clean), trigger, and findings with category, \
            rule, location and the decoded evidence. With --jsonl every line of FILE is one event and every \
            output line answers it, in order; a line that is not JSON answers {"error": "..."} and the run goes on.
            """
    )

    @Argument(help: "An event file, or - for standard input.")
    var file: String

    @Flag(help: "Read one event per line.")
    var jsonl = false

    @Option(help: "Highest OWASP CRS paranoia level to run (0 turns the CRS rule pack off).")
    var paranoiaLevel = 1

    func validate() throws {
        guard (0...4).contains(paranoiaLevel) else { throw ValidationError("--paranoia-level must be between 0 and 4") }
    }

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(file)
        } catch {
            StandardError.print("palisade detect: \(error)")
            throw ExitCode(2)
        }
        var options = DetectorOptions()
        options.crsRules = paranoiaLevel > 0
        options.paranoiaLevel = max(1, paranoiaLevel)
        let detector = Detector(options: options)
        if jsonl {
            for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                let event = Array(line.last == 0x0D ? line.dropLast() : line)
                if event.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                print(Self.answer(detector, event))
            }
        } else {
            print(Self.answer(detector, bytes))
        }
    }

    static func answer(_ detector: Detector, _ event: [UInt8]) -> String {
        do {
            return try detector.inspect(event: event).jsonLine()
        } catch {
            return "{\"error\":\(JSONEscapes.quoted(error.description))}"
        }
    }
}
