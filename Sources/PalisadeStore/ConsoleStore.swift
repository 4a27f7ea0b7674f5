/// Everything the console keeps, behind one protocol so SQLite and PostgreSQL pass the same tests.
/// Every read and write that concerns a group's data takes the group id: isolation is in the signature.
public protocol ConsoleStore: Sendable {
    /// Creates or upgrades the schema; safe to call on every start and from several consoles at once.
    func migrate() async throws(StoreError)
    func close() async

    func createGroup(_ group: GroupRecord) async throws(StoreError)
    func groups() async throws(StoreError) -> [GroupRecord]
    func group(id: String) async throws(StoreError) -> GroupRecord?
    func group(key: String) async throws(StoreError) -> GroupRecord?
    /// Sets the current and previous secret together (rotation starts or finishes).
    func setSecrets(groupId: String, secret: String, previousSecret: String?) async throws(StoreError)

    func createToken(_ token: TokenRecord) async throws(StoreError)
    func token(hash: String) async throws(StoreError) -> TokenRecord?
    func tokenCount() async throws(StoreError) -> Int64

    /// Records a request nonce; `false` when it was already seen (a replay). Forgets expired ones.
    func rememberNonce(_ nonce: String, expiresMs: Int64, nowMs: Int64) async throws(StoreError) -> Bool

    func savePolicy(groupId: String, document: String, createdMs: Int64) async throws(StoreError) -> PolicyRevision
    func policy(groupId: String) async throws(StoreError) -> PolicyRevision?

    /// Files a batch, and spends its nonce, in one transaction (possibly shared with concurrent
    /// batches); returns only after that transaction is committed. A spent nonce fails with `.replayed`.
    func ingest(
        groupId: String, agent: AgentIdentity, events: [StoredEvent], counts: [InvocationCount], receivedMs: Int64, nonce: NonceClaim?
    ) async throws(StoreError) -> IngestOutcome
    /// Adds a deployed function to the inventory (from a scan or by hand) without marking it protected.
    func registerFunction(groupId: String, name: String, runtime: String?, region: String?) async throws(StoreError)
    func functions(groupId: String) async throws(StoreError) -> [FunctionRecord]
    func events(_ query: EventQuery) async throws(StoreError) -> EventPage
    func event(groupId: String, id: String) async throws(StoreError) -> StoredEvent?
    func stats(groupId: String, fromMs: Int64, toMs: Int64, bucketMs: Int64) async throws(StoreError) -> GroupStats
}

extension ConsoleStore {
    /// Files a batch that came without a request nonce (bulk loads, tests).
    public func ingest(
        groupId: String, agent: AgentIdentity, events: [StoredEvent], counts: [InvocationCount], receivedMs: Int64
    ) async throws(StoreError) -> IngestOutcome {
        try await ingest(groupId: groupId, agent: agent, events: events, counts: counts, receivedMs: receivedMs, nonce: nil)
    }
}

/// Where the console keeps its data: `sqlite:PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public init(_ text: String) throws(StoreError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError(.invalidLocation, "sqlite: needs a file path, e.g. sqlite:./palisade.db") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: text))
        } else {
            throw StoreError(.invalidLocation, "the database must be sqlite:PATH or postgres://USER@HOST:PORT/DATABASE, got '\(text)'")
        }
    }

    /// Opens the store and brings its schema up to date.
    public func open() async throws(StoreError) -> any ConsoleStore {
        let database: any SQLDatabase = switch self {
        case .sqlite(let path): try SQLiteDatabase(path: path)
        case .postgres(let location): PostgresDatabase(location: location)
        }
        let store = SQLConsoleStore(database: database)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }
}
