import Foundation
import PalisadeDetect

/// Times Palisade alone over the events of a JSONL file, each in turn for `rounds` rounds, with
/// names found clean remembered (the default) and judged afresh, and prints the mean CPU time per
/// event of each: for profiling one kind of input, and for checking on events whose values vary
/// what the benchmark's repeated events show.
///
///     DetectBenchmark --events events.jsonl 1000
func timeEvents(file path: String, rounds: Int) throws(BenchmarkError) {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchmarkError("cannot read \(path)") }
    let events = [UInt8](data).split(separator: 0x0A).map(Array.init)
    guard !events.isEmpty else { throw BenchmarkError("\(path) holds no event") }
    timeEvents(events, rounds: rounds)
}

/// `--varied-checkouts ROUNDS`: the same timing over 64 checkout events of one schema whose values
/// differ (`Workloads.variedCheckouts`), beside the 2 KB row's one event repeated.
func timeVariedCheckouts(rounds: Int) {
    print("2 KB checkout row, its one event repeated:")
    timeEvents([Workloads.checkout().event], rounds: rounds * 64)
    print("64 checkout events of its schema, every digit of every value redrawn:")
    timeEvents(Workloads.variedCheckouts(count: 64, letters: false), rounds: rounds)
    print("64 checkout events of its schema, every letter and digit of every value redrawn (gibberish):")
    timeEvents(Workloads.variedCheckouts(count: 64, letters: true), rounds: rounds)
}

func timeEvents(_ events: [[UInt8]], rounds: Int) {
    for remembering in [true, false] {
        var options = DetectorOptions()
        options.rememberCleanKeys = remembering
        let detector = Detector(options: options)
        for event in events { consume(try? detector.inspect(event: event)) }
        let start = threadCPUTime()
        for _ in 0..<rounds {
            for event in events { consume(try? detector.inspect(event: event)) }
        }
        let nanoseconds = Double(threadCPUTime() - start) / Double(rounds * events.count)
        print("\(remembering ? "names remembered" : "names judged afresh"): \(events.count) events x \(rounds) rounds, \(String(format: "%.2f", nanoseconds / 1000)) µs per event")
    }
}
