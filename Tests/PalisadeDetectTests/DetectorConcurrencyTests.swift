import PalisadeDetect
import Testing

/// One `Detector` shared by many threads, as the agent shares it: each event borrows its own CRS
/// scratch, so verdicts inspected concurrently equal those inspected one at a time.
@Suite struct DetectorConcurrencyTests {
    @Test func concurrentInspectionsMatchSerialOnes() async throws {
        let corpus = try CRSCorpus.load()
        let events = corpus.records.filter(\.isAttack).prefix(200).map(\.event)
        let detector = Detector(options: DetectorOptions())
        let serial = try events.map { try detector.inspect(event: $0).findings }
        #expect(serial.contains { !$0.isEmpty })
        let concurrent = try await withThrowingTaskGroup(of: (Int, [[Finding]]).self) { group in
            for worker in 0..<8 {
                group.addTask {
                    // Each worker walks the events from its own offset, so different events overlap.
                    let order = (0..<events.count).map { ($0 + worker * 25) % events.count }
                    var found = [[Finding]](repeating: [], count: events.count)
                    for index in order { found[index] = try detector.inspect(event: events[index]).findings }
                    return (worker, found)
                }
            }
            var results: [[[Finding]]] = []
            for try await (_, found) in group { results.append(found) }
            return results
        }
        #expect(concurrent.count == 8)
        for found in concurrent { #expect(found == serial) }
    }
}
