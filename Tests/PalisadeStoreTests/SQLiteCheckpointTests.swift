import Foundation
import PalisadeStore
import Testing

/// SQLite's automatic checkpoint is off (it would run on the writer thread): the checkpointer's own
/// connection must copy the WAL back into the database file while ingest goes on.
struct SQLiteCheckpointTests {
    @Test func walIsCopiedBackWhileTheStoreIsOpen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-checkpoint-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await StoreLocation.sqlite(path: path).open()
        try await store.createGroup(GroupRecord(id: "g", name: "g", key: "pk", secret: "s", createdMs: 1))
        let startSize = try fileSize(path)
        // 100-event commits touch over a hundred pages each: 30,000 events pass the 8,192-page threshold.
        let batches = 300
        for batch in 0..<batches {
            let events = (0..<100).map { index in
                StoredEvent(
                    id: UUID().uuidString.lowercased(), timeMs: Int64(batch * 100 + index), kind: "attack", requestId: "r\(index)",
                    function: "f\(index % 8)", sourceIp: "192.0.2.\(index % 200)", category: "sqli", rule: "sqli.test",
                    message: "m", location: "body", evidence: "e", action: "reported"
                )
            }
            let outcome = try await store.ingest(
                groupId: "g", agent: AgentIdentity(function: "f0", region: nil, runtime: nil, layerVersion: nil),
                events: events, counts: [], receivedMs: 1, nonce: nil
            )
            #expect(outcome.accepted == 100)
        }
        var size = try fileSize(path)
        for _ in 0..<100 where size < startSize + 4_000_000 {
            try await Task.sleep(for: .milliseconds(100))
            size = try fileSize(path)
        }
        #expect(size >= startSize + 4_000_000, "the database file did not grow while open: \(startSize) → \(size) bytes, WAL \((try? fileSize(path + "-wal")) ?? -1) bytes")
        // The writer finishes a checkpoint at 16,384 pages (64 MiB), so the WAL file stays near that size.
        let wal = try fileSize(path + "-wal")
        #expect(wal < 96 * 1_048_576, "the WAL grew to \(wal) bytes")
        let stats = try await store.stats(groupId: "g", fromMs: 0, toMs: Int64.max / 2, bucketMs: Int64.max / 4)
        #expect(stats.attacks == Int64(batches * 100))
        await store.close()
    }

    private func fileSize(_ path: String) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }
}
