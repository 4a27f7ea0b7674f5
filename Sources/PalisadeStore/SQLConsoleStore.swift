/// The store's logic, written once: statements go to SQLite or PostgreSQL through ``SQLDatabase``.
final class SQLConsoleStore: ConsoleStore {
    private let database: any SQLDatabase
    /// Concurrent ingest batches share commits (see ``IngestFiling``).
    private let ingestCommits: GroupCommit<IngestWork, IngestOutcome>

    init(database: any SQLDatabase) {
        self.database = database
        ingestCommits = GroupCommit(maxConcurrent: database.dialect.concurrentCommits, maxPerCommit: 64) { batches in
            await IngestFiling.commit(batches, in: database)
        }
    }

    func ingest(
        groupId: String, agent: AgentIdentity, events: [StoredEvent], counts: [InvocationCount], receivedMs: Int64, nonce: NonceClaim?
    ) async throws(StoreError) -> IngestOutcome {
        var work = IngestWork(groupId: groupId, agent: agent, events: events, counts: counts, receivedMs: receivedMs, nonce: nonce)
        if database.dialect == .sqlite { work.sqliteInserts = IngestFiling.sqliteInserts(work) }
        return try await ingestCommits.submit(work)
    }

    func migrate() async throws(StoreError) { try await database.migrate() }
    func close() async { await database.close() }

    // MARK: Groups and tokens

    private static let groupColumns = "id, name, key, secret, previous_secret, created_ms"

    func createGroup(_ group: GroupRecord) async throws(StoreError) {
        _ = try await database.transaction([SQLQuery(
            "INSERT INTO groups (\(Self.groupColumns)) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(group.id), .text(group.name), .text(group.key), .text(group.secret), SQLValue(group.previousSecret), .int(group.createdMs)]
        )])
    }

    func groups() async throws(StoreError) -> [GroupRecord] {
        try await database.read(SQLQuery("SELECT \(Self.groupColumns) FROM groups ORDER BY name")).map(Self.group(row:))
    }

    func group(id: String) async throws(StoreError) -> GroupRecord? {
        try await database.read(SQLQuery("SELECT \(Self.groupColumns) FROM groups WHERE id = ?", [.text(id)])).first.map(Self.group(row:))
    }

    func group(key: String) async throws(StoreError) -> GroupRecord? {
        try await database.read(SQLQuery("SELECT \(Self.groupColumns) FROM groups WHERE key = ?", [.text(key)])).first.map(Self.group(row:))
    }

    func setSecrets(groupId: String, secret: String, previousSecret: String?) async throws(StoreError) {
        let rows = try await database.transaction([SQLQuery(
            "UPDATE groups SET secret = ?, previous_secret = ? WHERE id = ? RETURNING id",
            [.text(secret), SQLValue(previousSecret), .text(groupId)]
        )])
        guard rows.first?.isEmpty == false else { throw StoreError(.notFound, "no group with id \(groupId)") }
    }

    private static func group(row: [SQLValue]) -> GroupRecord {
        GroupRecord(
            id: row[0].text ?? "", name: row[1].text ?? "", key: row[2].text ?? "", secret: row[3].text ?? "",
            previousSecret: row[4].text, createdMs: row[5].int ?? 0
        )
    }

    func createToken(_ token: TokenRecord) async throws(StoreError) {
        _ = try await database.transaction([SQLQuery(
            "INSERT INTO tokens (hash, name, group_id, created_ms) VALUES (?, ?, ?, ?)",
            [.text(token.hash), .text(token.name), SQLValue(token.groupId), .int(token.createdMs)]
        )])
    }

    func token(hash: String) async throws(StoreError) -> TokenRecord? {
        try await database.read(SQLQuery("SELECT hash, name, group_id, created_ms FROM tokens WHERE hash = ?", [.text(hash)])).first.map {
            TokenRecord(hash: $0[0].text ?? "", name: $0[1].text ?? "", groupId: $0[2].text, createdMs: $0[3].int ?? 0)
        }
    }

    func tokenCount() async throws(StoreError) -> Int64 {
        try await database.read(SQLQuery("SELECT COUNT(*) FROM tokens")).first?.first?.int ?? 0
    }

    func rememberNonce(_ nonce: String, expiresMs: Int64, nowMs: Int64) async throws(StoreError) -> Bool {
        let results = try await database.transaction([
            SQLQuery("DELETE FROM nonces WHERE expires_ms < ?", [.int(nowMs)]),
            SQLQuery("INSERT INTO nonces (value, expires_ms) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING value", [.text(nonce), .int(expiresMs)]),
        ])
        return results.last?.isEmpty == false
    }

    // MARK: Policies

    func savePolicy(groupId: String, document: String, createdMs: Int64) async throws(StoreError) -> PolicyRevision {
        let rows = try await database.transaction([SQLQuery(
            """
            INSERT INTO policies (group_id, version, document, created_ms)
            SELECT ?, COALESCE(MAX(version), 0) + 1, ?, ? FROM policies WHERE group_id = ? RETURNING version
            """,
            [.text(groupId), .text(document), .int(createdMs), .text(groupId)]
        )])
        guard let version = rows.first?.first?.first?.int else { throw StoreError(.statementFailed, "the policy version was not returned") }
        return PolicyRevision(groupId: groupId, version: version, document: document, createdMs: createdMs)
    }

    func policy(groupId: String) async throws(StoreError) -> PolicyRevision? {
        let rows = try await database.read(SQLQuery(
            "SELECT version, document, created_ms FROM policies WHERE group_id = ? ORDER BY version DESC LIMIT 1", [.text(groupId)]
        ))
        return rows.first.map { PolicyRevision(groupId: groupId, version: $0[0].int ?? 0, document: $0[1].text ?? "", createdMs: $0[2].int ?? 0) }
    }

    // MARK: Ingest

    static let eventColumns = """
        id, time_ms, kind, request_id, function, region, runtime, layer_version, trigger, source_ip, category, rule, \
        message, location, evidence, action, incident_id, record, command, path, host
        """

    func registerFunction(groupId: String, name: String, runtime: String?, region: String?) async throws(StoreError) {
        _ = try await database.transaction([SQLQuery(
            """
            INSERT INTO functions (group_id, name, runtime, region) VALUES (?, ?, ?, ?) ON CONFLICT (group_id, name) DO UPDATE SET
            runtime = COALESCE(functions.runtime, excluded.runtime), region = COALESCE(functions.region, excluded.region)
            """,
            [.text(groupId), .text(name), SQLValue(runtime), SQLValue(region)]
        )])
    }

    // MARK: Reads

    func functions(groupId: String) async throws(StoreError) -> [FunctionRecord] {
        let rows = try await database.read(SQLQuery(
            """
            SELECT f.name, f.runtime, f.region, f.layer_version, f.first_seen_ms, f.last_seen_ms,
                CAST(COALESCE((SELECT SUM(c.invocations) FROM invocation_counts c WHERE c.group_id = f.group_id AND c.function = f.name), 0) AS BIGINT)
            FROM functions f WHERE f.group_id = ? ORDER BY f.name
            """,
            [.text(groupId)]
        ))
        return rows.map {
            FunctionRecord(
                name: $0[0].text ?? "", runtime: $0[1].text, region: $0[2].text, layerVersion: $0[3].text,
                firstSeenMs: $0[4].int, lastSeenMs: $0[5].int, invocations: $0[6].int ?? 0, protected: $0[5].int != nil
            )
        }
    }

    func events(_ query: EventQuery) async throws(StoreError) -> EventPage {
        var conditions = ["group_id = ?"]
        var binds: [SQLValue] = [.text(query.groupId)]
        if let from = query.fromMs { conditions.append("time_ms >= ?"); binds.append(.int(from)) }
        if let to = query.toMs { conditions.append("time_ms < ?"); binds.append(.int(to)) }
        // SQLite plans without statistics: the most selective filter that has an index (source address,
        // then function, then category) walks it in time order, and a unary + keeps the other columns off
        // their indexes, so "source IP and category" does not read every newer row of that category.
        let filters = [("source_ip", query.sourceIp), ("function", query.function), ("category", query.category), ("action", query.action), ("kind", query.kind)]
        let driving = filters.first { $0.1 != nil }?.0
        for (column, value) in filters {
            guard let value else { continue }
            let term = database.dialect == .sqlite && column != driving ? "+" + column : column
            conditions.append("\(term) = ?")
            binds.append(.text(value))
        }
        if let text = query.text, !text.isEmpty {
            let like = database.dialect.caseInsensitiveLike
            let pattern = "%" + Self.likeEscaped(text) + "%"
            let columns = ["message", "rule", "location", "evidence", "request_id"]
            conditions.append("(" + columns.map { "\($0) \(like) ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
            binds += Array(repeating: .text(pattern), count: columns.count)
        }
        if let cursor = query.before {
            // A row-value comparison, so both databases continue along the index instead of rescanning.
            conditions.append("(time_ms, seq) < (?, ?)")
            binds += [.int(cursor.timeMs), .int(cursor.seq)]
        }
        binds.append(.int(Int64(query.limit + 1)))
        let rows = try await database.read(SQLQuery(
            "SELECT \(Self.eventColumns), seq FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY time_ms DESC, seq DESC LIMIT ?",
            binds
        ))
        let page = rows.prefix(query.limit)
        let next = rows.count > query.limit ? page.last.map { EventCursor(timeMs: $0[1].int ?? 0, seq: $0[21].int ?? 0) } : nil
        return EventPage(events: page.map(Self.event(row:)), nextCursor: next)
    }

    func event(groupId: String, id: String) async throws(StoreError) -> StoredEvent? {
        try await database.read(SQLQuery("SELECT \(Self.eventColumns) FROM events WHERE group_id = ? AND id = ?", [.text(groupId), .text(id)]))
            .first.map(Self.event(row:))
    }

    func stats(groupId: String, fromMs: Int64, toMs: Int64, bucketMs: Int64) async throws(StoreError) -> GroupStats {
        let group = SQLValue.text(groupId)
        let functions = try await database.read(SQLQuery(
            "SELECT COUNT(*), COUNT(last_seen_ms) FROM functions WHERE group_id = ?", [group]
        )).first ?? []
        let invocations = try await database.read(SQLQuery(
            "SELECT CAST(COALESCE(SUM(invocations), 0) AS BIGINT) FROM invocation_counts WHERE group_id = ? AND to_ms > ? AND from_ms < ?",
            [group, .int(fromMs), .int(toMs)]
        )).first?.first?.int ?? 0
        let range: [SQLValue] = [group, .int(fromMs), .int(toMs)]
        let totals = try await database.read(SQLQuery(
            """
            SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'attack' THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN action = 'blocked' THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN action = 'reported' THEN 1 ELSE 0 END), 0) AS BIGINT)
            FROM events WHERE group_id = ? AND time_ms >= ? AND time_ms < ?
            """,
            range
        )).first ?? []
        let categories = try await database.read(SQLQuery(
            "SELECT category, COUNT(*) FROM events WHERE group_id = ? AND time_ms >= ? AND time_ms < ? GROUP BY category", range
        ))
        let buckets = try await database.read(SQLQuery(
            "SELECT (time_ms / ?) * ?, COUNT(*) FROM events WHERE group_id = ? AND time_ms >= ? AND time_ms < ? GROUP BY 1 ORDER BY 1",
            [.int(bucketMs), .int(bucketMs)] + range
        ))
        return GroupStats(
            deployedFunctions: functions.first?.int ?? 0, protectedFunctions: functions.last?.int ?? 0, invocations: invocations,
            attacks: totals.first?.int ?? 0, blocked: totals.count > 1 ? totals[1].int ?? 0 : 0, reported: totals.last?.int ?? 0,
            byCategory: Dictionary(uniqueKeysWithValues: categories.map { ($0[0].text ?? "", $0[1].int ?? 0) }),
            overTime: buckets.map { (bucketMs: $0[0].int ?? 0, count: $0[1].int ?? 0) }
        )
    }

    private static func event(row: [SQLValue]) -> StoredEvent {
        StoredEvent(
            id: row[0].text ?? "", timeMs: row[1].int ?? 0, kind: row[2].text ?? "", requestId: row[3].text ?? "",
            function: row[4].text ?? "", region: row[5].text, runtime: row[6].text, layerVersion: row[7].text, trigger: row[8].text,
            sourceIp: row[9].text, category: row[10].text ?? "", rule: row[11].text ?? "", message: row[12].text ?? "",
            location: row[13].text ?? "", evidence: row[14].text ?? "", action: row[15].text ?? "", incidentId: row[16].text,
            record: row[17].int, command: row[18].text, path: row[19].text, host: row[20].text
        )
    }

    /// `%`, `_` and `\` match themselves in a text search.
    private static func likeEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
