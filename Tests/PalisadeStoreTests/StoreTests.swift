import Foundation
import PalisadeStore
import Testing

/// The same behaviour, checked against every backend: SQLite always, PostgreSQL when
/// `PALISADE_TEST_POSTGRES_URL` is set (scripts/with-postgres sets it; scripts/test always uses it).
struct StoreTests {
    static let backends: [Backend] = {
        var list = [Backend.sqlite]
        if ProcessInfo.processInfo.environment["PALISADE_TEST_POSTGRES_URL"] != nil { list.append(.postgres) }
        else { print("PalisadeStoreTests: PALISADE_TEST_POSTGRES_URL is not set; PostgreSQL store tests SKIPPED (run under scripts/with-postgres)") }
        return list
    }()

    @Test(arguments: backends)
    func migrationIsRepeatable(backend: Backend) async throws {
        let location = try backend.freshLocation()
        let first = try await location.open()
        await first.close()
        let second = try await location.open()
        #expect(try await second.groups().isEmpty)
        await second.close()
    }

    @Test(arguments: backends)
    func groupsAreFoundByKeyAndSecretsRotate(backend: Backend) async throws {
        try await backend.withStore { store in
            let group = GroupRecord(id: "g1", name: "payments", key: "pk_1", secret: "s1", createdMs: 1)
            try await store.createGroup(group)
            #expect(try await store.group(key: "pk_1") == group)
            try await store.setSecrets(groupId: "g1", secret: "s2", previousSecret: "s1")
            let rotated = try await store.group(id: "g1")
            #expect(rotated?.secret == "s2")
            #expect(rotated?.previousSecret == "s1")
            await #expect(throws: StoreError.self) { try await store.createGroup(GroupRecord(id: "g2", name: "payments", key: "pk_2", secret: "x", createdMs: 1)) }
            await #expect(throws: StoreError.self) { try await store.setSecrets(groupId: "missing", secret: "a", previousSecret: nil) }
        }
    }

    @Test(arguments: backends)
    func tokensAndNonces(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.createToken(TokenRecord(hash: "h1", name: "admin", groupId: nil, createdMs: 1))
            #expect(try await store.token(hash: "h1")?.name == "admin")
            #expect(try await store.token(hash: "nope") == nil)
            #expect(try await store.tokenCount() == 1)
            #expect(try await store.rememberNonce("n1", expiresMs: 2_000, nowMs: 1_000))
            #expect(try await store.rememberNonce("n1", expiresMs: 2_000, nowMs: 1_500) == false)
            // Once expired, the nonce is forgotten (the timestamp check refuses such requests anyway).
            #expect(try await store.rememberNonce("n1", expiresMs: 4_000, nowMs: 3_000))
        }
    }

    @Test(arguments: backends)
    func policiesAreVersionedPerGroup(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.createGroup(GroupRecord(id: "a", name: "a", key: "ka", secret: "s", createdMs: 1))
            try await store.createGroup(GroupRecord(id: "b", name: "b", key: "kb", secret: "s", createdMs: 1))
            #expect(try await store.policy(groupId: "a") == nil)
            #expect(try await store.savePolicy(groupId: "a", document: #"{"mode":"report"}"#, createdMs: 1).version == 1)
            #expect(try await store.savePolicy(groupId: "a", document: #"{"mode":"mitigate"}"#, createdMs: 2).version == 2)
            #expect(try await store.savePolicy(groupId: "b", document: "{}", createdMs: 3).version == 1)
            #expect(try await store.policy(groupId: "a")?.document == #"{"mode":"mitigate"}"#)
        }
    }

    @Test(arguments: backends)
    func ingestIsIdempotentAndIsolatedByGroup(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.createGroup(GroupRecord(id: "a", name: "a", key: "ka", secret: "s", createdMs: 1))
            try await store.createGroup(GroupRecord(id: "b", name: "b", key: "kb", secret: "s", createdMs: 1))
            let agent = AgentIdentity(function: "orders", region: "eu-west-1", runtime: "python3.12", layerVersion: "1.0.0")
            let events: [StoredEvent] = (0..<150).map { (index: Int) -> StoredEvent in
                let category = index % 3 == 0 ? "xss" : "sqli"
                let action = index % 2 == 0 ? "blocked" : "reported"
                return sample(id: "e\(index)", timeMs: 10_000 + Int64(index), category: category, action: action)
            }
            let counts = [InvocationCount(function: "orders", invocations: 40, fromMs: 0, toMs: 60_000)]
            let first = try await store.ingest(groupId: "a", agent: agent, events: events, counts: counts, receivedMs: 20_000)
            #expect(first.accepted == 150)
            #expect(first.duplicates == 0)
            let retry = try await store.ingest(groupId: "a", agent: agent, events: Array(events.prefix(100)) + [sample(id: "new", timeMs: 1)], counts: counts, receivedMs: 21_000)
            #expect(retry.acceptedIds == ["new"])
            #expect(retry.duplicates == 100)
            // A whole batch again: nothing is new (SQLite tells by counting the rows added).
            let again = try await store.ingest(groupId: "a", agent: agent, events: Array(events.prefix(100)), counts: [], receivedMs: 21_000)
            #expect(again.accepted == 0)
            #expect(again.duplicates == 100)
            // The same new event twice in one batch is filed once; an empty text stays empty, not NULL.
            var twice = sample(id: "twice", timeMs: 2)
            twice.path = ""
            let doubled = try await store.ingest(groupId: "a", agent: agent, events: [twice, twice], counts: [], receivedMs: 21_000)
            #expect(doubled.acceptedIds == ["twice"])
            #expect(doubled.duplicates == 1)
            #expect(try await store.event(groupId: "a", id: "twice")?.path == "")
            // The same event id in another group is that group's own event.
            #expect(try await store.ingest(groupId: "b", agent: agent, events: [events[0]], counts: [], receivedMs: 1).accepted == 1)

            let functions = try await store.functions(groupId: "a")
            #expect(functions.count == 1)
            #expect(functions[0].invocations == 40)
            #expect(functions[0].protected)
            #expect(functions[0].layerVersion == "1.0.0")
            #expect(functions[0].firstSeenMs == 20_000)
            #expect(functions[0].lastSeenMs == 21_000)

            #expect(try await store.event(groupId: "a", id: "e7")?.evidence == "' OR 1=1 --")
            #expect(try await store.event(groupId: "b", id: "e7") == nil)
            #expect(try await store.events(EventQuery(groupId: "b")).events.map(\.id) == ["e0"])
        }
    }

    @Test(arguments: backends)
    func eventsFilterAndPage(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.createGroup(GroupRecord(id: "a", name: "a", key: "ka", secret: "s", createdMs: 1))
            let agent = AgentIdentity(function: "orders", region: nil, runtime: nil, layerVersion: nil)
            var events: [StoredEvent] = (0..<30).map { (index: Int) -> StoredEvent in
                sample(id: "e\(index)", timeMs: 1_000 * Int64(index), category: index < 10 ? "xss" : "sqli", action: "reported")
            }
            events[5].sourceIp = "10.0.0.9"
            events[6].message = "100% sure_thing"
            _ = try await store.ingest(groupId: "a", agent: agent, events: events, counts: [], receivedMs: 1)

            var query = EventQuery(groupId: "a", limit: 12)
            var seen: [String] = []
            while true {
                let page = try await store.events(query)
                seen += page.events.map(\.id)
                guard let next = page.nextCursor else { break }
                query.before = next
            }
            #expect(seen == (0..<30).reversed().map { "e\($0)" })

            var filtered = EventQuery(groupId: "a")
            filtered.category = "xss"
            filtered.fromMs = 2_000
            filtered.toMs = 8_000
            #expect(try await store.events(filtered).events.map(\.id) == ["e7", "e6", "e5", "e4", "e3", "e2"])
            var byIP = EventQuery(groupId: "a")
            byIP.sourceIp = "10.0.0.9"
            #expect(try await store.events(byIP).events.map(\.id) == ["e5"])
            var text = EventQuery(groupId: "a")
            text.text = "0% SURE_"
            #expect(try await store.events(text).events.map(\.id) == ["e6"])
            text.text = "_"
            #expect(try await store.events(text).events.map(\.id) == ["e6"])
        }
    }

    @Test(arguments: backends)
    func statsCountFunctionsInvocationsAndAttacks(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.createGroup(GroupRecord(id: "a", name: "a", key: "ka", secret: "s", createdMs: 1))
            try await store.registerFunction(groupId: "a", name: "reports", runtime: "nodejs20.x", region: "eu-west-1")
            let agent = AgentIdentity(function: "orders", region: "eu-west-1", runtime: "python3.12", layerVersion: "1")
            let events = [
                sample(id: "1", timeMs: 60_000, category: "sqli", action: "blocked"),
                sample(id: "2", timeMs: 61_000, category: "sqli", action: "reported"),
                sample(id: "3", timeMs: 125_000, category: "xss", action: "reported"),
            ]
            let counts = [InvocationCount(function: "orders", invocations: 7, fromMs: 60_000, toMs: 120_000)]
            _ = try await store.ingest(groupId: "a", agent: agent, events: events, counts: counts, receivedMs: 130_000)
            let stats = try await store.stats(groupId: "a", fromMs: 0, toMs: 200_000, bucketMs: 60_000)
            #expect(stats.deployedFunctions == 2)
            #expect(stats.protectedFunctions == 1)
            #expect(stats.invocations == 7)
            #expect(stats.attacks == 3)
            #expect(stats.blocked == 1)
            #expect(stats.reported == 2)
            #expect(stats.byCategory == ["sqli": 2, "xss": 1])
            #expect(stats.overTime.map(\.bucketMs) == [60_000, 120_000])
            #expect(stats.overTime.map(\.count) == [2, 1])
        }
    }

    @Test func badLocationsAreRefusedWithAReason() throws {
        #expect(throws: StoreError.self) { try StoreLocation("mysql://x") }
        #expect(throws: StoreError.self) { try StoreLocation("sqlite:") }
        #expect(throws: StoreError.self) { try StoreLocation("postgres://user@host:99999/db") }
        #expect(throws: StoreError.self) { try StoreLocation("postgres://user@host") }
        #expect(try StoreLocation("postgres://u:p%40ss@127.0.0.1:5433/palisade") == .postgres(try PostgresLocation(url: "postgres://u:p%40ss@127.0.0.1:5433/palisade")))
        #expect(try PostgresLocation(url: "postgres://u:p%40ss@127.0.0.1:5433/palisade").password == "p@ss")
    }
}

func sample(id: String, timeMs: Int64, category: String = "sqli", action: String = "reported") -> StoredEvent {
    StoredEvent(
        id: id, timeMs: timeMs, kind: "attack", requestId: "req-\(id)", function: "orders", trigger: "api-gateway-rest",
        sourceIp: "203.0.113.7", category: category, rule: "sqli.tautology", message: "SQL injection: tautology",
        location: "queryStringParameters.id", evidence: "' OR 1=1 --", action: action
    )
}
