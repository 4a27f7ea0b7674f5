import Synchronization

/// Counters for `/metrics` in the Prometheus text format; written by hand, the set is small.
final class ConsoleMetrics: Sendable {
    private struct Counts {
        var batches = 0
        var eventsAccepted = 0
        var eventsDuplicate = 0
        var refusals: [String: Int] = [:]
        var forwarded: [String: Int] = [:]
        var forwardFailures: [String: Int] = [:]
        var ingestSeconds = 0.0
    }

    private let counts = Mutex(Counts())

    func recordBatch(accepted: Int, duplicates: Int, seconds: Double) {
        counts.withLock {
            $0.batches += 1
            $0.eventsAccepted += accepted
            $0.eventsDuplicate += duplicates
            $0.ingestSeconds += seconds
        }
    }

    func recordRefusal(code: String) { counts.withLock { $0.refusals[code, default: 0] += 1 } }
    func recordForwarded(_ destination: String, events: Int) { counts.withLock { $0.forwarded[destination, default: 0] += events } }
    func recordForwardFailure(_ destination: String) { counts.withLock { $0.forwardFailures[destination, default: 0] += 1 } }

    var exposition: String {
        let snapshot = counts.withLock { $0 }
        var lines: [String] = []
        func counter(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) counter")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        func labelled(_ key: String, _ values: [String: Int]) -> [(labels: String, value: String)] {
            values.keys.sorted().map { (labels: "{\(key)=\"\($0)\"}", value: String(values[$0] ?? 0)) }
        }
        counter("palisade_ingest_batches_total", "Ingest batches committed.", [("", String(snapshot.batches))])
        counter("palisade_ingest_events_total", "Events in committed batches, by outcome.", [
            ("{outcome=\"accepted\"}", String(snapshot.eventsAccepted)), ("{outcome=\"duplicate\"}", String(snapshot.eventsDuplicate)),
        ])
        counter("palisade_ingest_seconds_total", "Time spent committing ingest batches.", [("", String(snapshot.ingestSeconds))])
        counter("palisade_requests_refused_total", "Requests refused, by error code.", labelled("code", snapshot.refusals))
        counter("palisade_siem_events_forwarded_total", "Events delivered to a SIEM destination.", labelled("destination", snapshot.forwarded))
        counter("palisade_siem_failures_total", "Failed SIEM delivery attempts (retried).", labelled("destination", snapshot.forwardFailures))
        return lines.joined(separator: "\n") + "\n"
    }
}
