import Foundation
import Synchronization
import Testing

@testable import PalisadeStore

/// Concurrent ingest batches share commits: each is acknowledged only after the commit that holds it,
/// an event sent in two concurrent batches is stored once, and a nonce is spent with its batch.
struct GroupCommitTests {
    @Test func callersAreAnsweredAfterTheirOwnCommitAndShareCommits() async throws {
        let log = CommitLog()
        let commits = GroupCommit<Int, Int>(maxConcurrent: 1, maxPerCommit: 64) { work in
            // The first commit is slow, so the others pile up behind it as a real busy writer makes them.
            if log.state.withLock({ $0.commits.isEmpty }) { try? await Task.sleep(for: .milliseconds(200)) }
            log.state.withLock { $0.commits.append(work); $0.committed.formUnion(work) }
            return work.map { $0 < 0 ? .failure(StoreError(.statementFailed, "negative")) : .success($0 * 10) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for item in -2..<30 {
                group.addTask {
                    do {
                        let answer = try await commits.submit(item)
                        #expect(answer == item * 10)
                    } catch {
                        #expect(item < 0, "only the failing items fail")
                    }
                    #expect(log.state.withLock { $0.committed.contains(item) }, "answered before its commit ended")
                }
                if item == -2 { try await Task.sleep(for: .milliseconds(50)) }
            }
            try await group.waitForAll()
        }
        let recorded = log.state.withLock { $0.commits }
        #expect(recorded.flatMap { $0 }.sorted() == Array(-2..<30))
        #expect(recorded.count < 32, "concurrent work shared commits: \(recorded.map(\.count))")
        #expect(recorded.contains { $0.count > 1 })
    }

    @Test(arguments: StoreTests.backends)
    func concurrentBatchesStoreEachEventOnceAndAreReadableWhenAcknowledged(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.createGroup(GroupRecord(id: "a", name: "a", key: "ka", secret: "s", createdMs: 1))
            try await store.createGroup(GroupRecord(id: "b", name: "b", key: "kb", secret: "s", createdMs: 1))
            let agent = AgentIdentity(function: "orders", region: "eu-west-1", runtime: "python3.12", layerVersion: "2")
            // Batch k holds events k*25 ..< k*25+50: every event but the first and last 25 is sent twice, concurrently.
            let batches = 24
            let outcomes = try await withThrowingTaskGroup(of: (Int, IngestOutcome).self) { group in
                for batch in 0..<batches {
                    group.addTask {
                        let events = (batch * 25..<batch * 25 + 50).map { sample(id: "e\($0)", timeMs: Int64($0)) }
                        let groupId = batch % 6 == 5 ? "b" : "a"
                        let outcome = try await store.ingest(
                            groupId: groupId, agent: agent, events: events,
                            counts: [InvocationCount(function: "orders", invocations: 1, fromMs: Int64(batch), toMs: Int64(batch) + 1)],
                            receivedMs: 1_000 + Int64(batch), nonce: NonceClaim(value: "ka:n\(batch)", expiresMs: 10_000, nowMs: 1_000)
                        )
                        // Acknowledged means committed: the other connection already sees every accepted event.
                        for id in outcome.acceptedIds { #expect(try await store.event(groupId: groupId, id: id) != nil) }
                        return (batch, outcome)
                    }
                }
                var all: [(Int, IngestOutcome)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(outcomes.count == batches)
            #expect(outcomes.allSatisfy { $0.1.accepted + $0.1.duplicates == 50 })
            for groupId in ["a", "b"] {
                let sent = outcomes.filter { ($0.0 % 6 == 5 ? "b" : "a") == groupId }
                let distinct = Set(sent.flatMap { batch in (batch.0 * 25..<batch.0 * 25 + 50).map { "e\($0)" } })
                let accepted = sent.flatMap(\.1.acceptedIds)
                #expect(accepted.count == distinct.count, "each event accepted exactly once in group \(groupId)")
                #expect(Set(accepted) == distinct)
                let stored = try await store.stats(groupId: groupId, fromMs: 0, toMs: 1_000_000, bucketMs: 1_000_000)
                #expect(stored.attacks == Int64(distinct.count))
            }
            let functions = try await store.functions(groupId: "a")
            #expect(functions.map(\.name) == ["orders"])
            #expect(functions.first?.invocations == Int64(outcomes.filter { $0.0 % 6 != 5 }.count))
            #expect(functions.first?.firstSeenMs == 1_000)
            #expect(functions.first?.lastSeenMs == 1_000 + Int64(batches - 2))
        }
    }

    @Test(arguments: StoreTests.backends)
    func aSpentNonceRefusesTheWholeBatch(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.createGroup(GroupRecord(id: "a", name: "a", key: "ka", secret: "s", createdMs: 1))
            let agent = AgentIdentity(function: "orders", region: nil, runtime: nil, layerVersion: nil)
            let nonce = NonceClaim(value: "ka:once", expiresMs: 10_000, nowMs: 1_000)
            let first = try await store.ingest(groupId: "a", agent: agent, events: [sample(id: "x1", timeMs: 1)], counts: [], receivedMs: 1_000, nonce: nonce)
            #expect(first.accepted == 1)
            await #expect(throws: StoreError(.replayed, "the request's nonce was already used: it is a replay")) {
                try await store.ingest(groupId: "a", agent: agent, events: [sample(id: "x2", timeMs: 2)], counts: [], receivedMs: 1_001, nonce: nonce)
            }
            #expect(try await store.event(groupId: "a", id: "x2") == nil, "a replayed batch files nothing")

            // The same nonce in two concurrent batches: exactly one is filed.
            let twin = NonceClaim(value: "ka:twin", expiresMs: 10_000, nowMs: 1_000)
            let results = await withTaskGroup(of: Bool.self) { group in
                for id in ["t1", "t2"] {
                    group.addTask {
                        (try? await store.ingest(groupId: "a", agent: agent, events: [sample(id: id, timeMs: 3)], counts: [], receivedMs: 1_002, nonce: twin)) != nil
                    }
                }
                var all: [Bool] = []
                for await result in group { all.append(result) }
                return all
            }
            #expect(results.filter { $0 }.count == 1)
            let stored = [try await store.event(groupId: "a", id: "t1"), try await store.event(groupId: "a", id: "t2")].compactMap { $0 }
            #expect(stored.count == 1)
            // Spent nonces share the table with the signature check of other requests.
            #expect(try await store.rememberNonce("ka:once", expiresMs: 10_000, nowMs: 1_000) == false)
        }
    }

    /// PostgreSQL refuses text with a NUL byte: such a batch fails alone, its neighbours in the same
    /// commit are filed, and its nonce stays unspent so the agent may resend.
    @Test func aFailingBatchDoesNotFailItsNeighbours() async throws {
        guard StoreTests.backends.contains(.postgres) else { return }
        try await Backend.postgres.withStore { store in
            try await store.createGroup(GroupRecord(id: "a", name: "a", key: "ka", secret: "s", createdMs: 1))
            let agent = AgentIdentity(function: "orders", region: nil, runtime: nil, layerVersion: nil)
            let results = await withTaskGroup(of: (Int, Bool).self) { group in
                for batch in 0..<12 {
                    group.addTask {
                        var event = sample(id: "f\(batch)", timeMs: Int64(batch))
                        if batch == 5 { event.message = "bad \u{0} byte" }
                        let nonce = NonceClaim(value: "ka:f\(batch)", expiresMs: 10_000, nowMs: 1_000)
                        return (batch, (try? await store.ingest(groupId: "a", agent: agent, events: [event], counts: [], receivedMs: 1_000, nonce: nonce)) != nil)
                    }
                }
                var all: [Int: Bool] = [:]
                for await (batch, ok) in group { all[batch] = ok }
                return all
            }
            #expect(results.filter { $0.value }.map(\.key).sorted() == Array(0..<12).filter { $0 != 5 })
            let resent = try await store.ingest(
                groupId: "a", agent: agent, events: [sample(id: "f5", timeMs: 5)], counts: [], receivedMs: 1_000,
                nonce: NonceClaim(value: "ka:f5", expiresMs: 10_000, nowMs: 1_000)
            )
            #expect(resent.accepted == 1)
        }
    }

    @Test func postgresArrayLiteralsQuoteEveryText() {
        #expect(IngestFiling.arrayLiteral([.text(#"a"b\c"#), .null, .int(-3), .text(""), .text("NULL"), .text("{x,y}")]) == #"{"a\"b\\c",NULL,-3,"","NULL","{x,y}"}"#)
    }
}

/// What the commit function of the group-commit test saw, shared with the callers.
final class CommitLog: Sendable {
    let state = Mutex<(commits: [[Int]], committed: Set<Int>)>(([], []))
}
