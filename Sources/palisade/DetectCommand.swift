import ArgumentParser
import PalisadeDetect

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "detect", abstract: "Inspect Lambda events for injection attacks.")
    func run() throws {}
}
