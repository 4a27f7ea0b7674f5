/// One agent batch waiting for a commit.
struct IngestWork: Sendable {
    var groupId: String
    var agent: AgentIdentity
    var events: [StoredEvent]
    var counts: [InvocationCount]
    var receivedMs: Int64
    var nonce: NonceClaim?
    /// SQLite: the batch's event inserts, made on the request's own task (``IngestFiling/sqliteInserts(_:)``)
    /// while an earlier commit runs, so that a commit's filing waits for no per-event work.
    var sqliteInserts: [SQLQuery] = []
}

/// Files the batches of one group commit in one transaction: first their nonces (a batch whose nonce
/// is already spent is left out and refused as a replay), then the events, function sightings and
/// invocation counts of all the others, in as few statements as each database allows.
///
/// Which events were new (not retries): PostgreSQL's inserts return them (`RETURNING`). SQLite's do
/// not (building those rows cost its single writer ~3.5 µs an event): its commit reads the highest
/// `seq` first, as each new row's `seq` is one more than the highest before, then counts the rows
/// above that mark, and reads their keys only when fewer were added than filed.
enum IngestFiling {
    static func commit(_ batches: [IngestWork], in database: any SQLDatabase) async -> [Result<IngestOutcome, StoreError>] {
        let dialect = database.dialect
        // Made here, not on the database's writer thread (the SQLite ceiling), assuming no replay;
        // made again there only when a nonce turns out to be spent.
        let allFresh = Array(repeating: true, count: batches.count)
        let likely = statements(filing: batches, fresh: allFresh, dialect: dialect)
        let nonces = nonceStatements(batches)
        let mark = dialect == .sqlite ? [sqliteMark] : []
        do {
            let (claimed, filed) = try await database.transaction(nonces + mark) { rows throws(StoreError) in
                let fresh = fresh(batches, inserted: nonces.isEmpty ? [] : rows[1])
                var filing = fresh == allFresh ? likely : statements(filing: batches, fresh: fresh, dialect: dialect)
                if dialect == .sqlite {
                    let events = zip(batches, fresh).reduce(0) { $0 + ($1.1 ? $1.0.events.count : 0) }
                    let probe: [SQLValue] = [.int(rows.last?.first?.first?.int ?? 0), .int(Int64(events))]
                    filing += [SQLQuery(sqliteAllNew, probe), SQLQuery(sqliteAdded, probe)]
                }
                return filing
            }
            let filedBatches = fresh(batches, inserted: nonces.isEmpty ? [] : claimed[1])
            let allNew = dialect == .sqlite && filed.dropLast().last?.first?.first?.int == 1
            return outcomes(batches, fresh: filedBatches, inserted: allNew ? nil : filed)
        } catch {
            // One batch's bad data must not fail the batches that shared its commit: file each alone.
            guard batches.count > 1 else { return [.failure(error)] }
            var results: [Result<IngestOutcome, StoreError>] = []
            for batch in batches { results += await commit([batch], in: database) }
            return results
        }
    }

    /// SQLite: the highest `seq` before the commit's events are filed.
    private static let sqliteMark = SQLQuery("SELECT COALESCE(MAX(seq), 0) FROM events")
    /// SQLite: 1 when as many rows were added above the mark (`?1`) as events were filed (`?2`), so
    /// every one was new; a walk over the commit's own rows, at the end of the table.
    private static let sqliteAllNew = "SELECT COUNT(*) = ?2 FROM events WHERE seq > ?1"
    /// SQLite: otherwise, the keys of the rows added.
    private static let sqliteAdded = "SELECT group_id, id FROM events WHERE seq > ?1 AND (SELECT COUNT(*) FROM events WHERE seq > ?1) < ?2"

    // MARK: Nonces

    private static func nonceStatements(_ batches: [IngestWork]) -> [SQLQuery] {
        let claims = batches.compactMap(\.nonce)
        guard let now = claims.map(\.nowMs).max() else { return [] }
        return [
            SQLQuery("DELETE FROM nonces WHERE expires_ms < ?", [.int(now)]),
            SQLQuery(
                "INSERT INTO nonces (value, expires_ms) VALUES \(placeholders(rows: claims.count, columns: 2)) ON CONFLICT DO NOTHING RETURNING value",
                claims.flatMap { [.text($0.value), .int($0.expiresMs)] }
            ),
        ]
    }

    /// A batch is filed when it has no nonce, or when its nonce was inserted now and no earlier batch
    /// of the same commit claimed it.
    private static func fresh(_ batches: [IngestWork], inserted rows: SQLRows) -> [Bool] {
        var inserted = Set(rows.compactMap { $0.first?.text })
        return batches.map { batch in
            guard let nonce = batch.nonce else { return true }
            return inserted.remove(nonce.value) != nil
        }
    }

    // MARK: Rows

    private static func statements(filing batches: [IngestWork], fresh: [Bool], dialect: SQLDialect) -> [SQLQuery] {
        let filed = zip(batches, fresh).filter { $0.1 }.map { $0.0 }
        return eventStatements(filed, dialect: dialect) + functionStatements(filed) + countStatements(filed)
    }

    private static let insertColumns = "group_id, received_ms, " + SQLConsoleStore.eventColumns
    private static let onConflict = " ON CONFLICT (group_id, id) DO NOTHING"
    /// SQLite: multi-row inserts of 128, 64, …, 1 rows, so a batch of any size takes few statements
    /// and the statement cache holds eight texts only.
    private static let sqliteChunkSizes = [128, 64, 32, 16, 8, 4, 2, 1]
    private static let sqliteInsertTexts = Dictionary(uniqueKeysWithValues: sqliteChunkSizes.map { rows in
        (rows, "INSERT INTO events (\(insertColumns)) VALUES \(placeholders(rows: rows, columns: 23))" + onConflict)
    })
    /// PostgreSQL: one statement for the whole commit, each column one array parameter.
    private static let postgresInsert = "INSERT INTO events (\(insertColumns)) SELECT * FROM UNNEST("
        + postgresTypes.map { "?::\($0)[]" }.joined(separator: ", ") + ")" + onConflict + " RETURNING group_id, id"
    private static let postgresTypes = ["text", "bigint", "text", "bigint"] + Array(repeating: "text", count: 15) + ["bigint", "text", "text", "text"]

    private static func eventStatements(_ batches: [IngestWork], dialect: SQLDialect) -> [SQLQuery] {
        switch dialect {
        case .sqlite:
            return batches.flatMap(\.sqliteInserts)
        case .postgres:
            // In key order, so that consoles filing overlapping retries at once cannot deadlock.
            let rows = batches.flatMap { batch in batch.events.map { (batch, $0) } }.sorted { ($0.0.groupId, $0.1.id) < ($1.0.groupId, $1.1.id) }
            guard !rows.isEmpty else { return [] }
            var values = ColumnArrays()
            for (batch, event) in rows { bind(event, groupId: batch.groupId, receivedMs: batch.receivedMs, to: &values) }
            return [SQLQuery(postgresInsert, values.columns.map { .text(arrayLiteral($0)) })]
        }
    }

    /// SQLite: the inserts of one batch's events, in statements of 128, 64, …, 1 rows.
    static func sqliteInserts(_ batch: IngestWork) -> [SQLQuery] {
        var statements: [SQLQuery] = []
        var start = 0
        while start < batch.events.count {
            let size = sqliteChunkSizes.first { $0 <= batch.events.count - start }!
            var bindings = SQLBindings(values: size * 23, textBytes: size * 400)
            for event in batch.events[start..<start + size] { bind(event, groupId: batch.groupId, receivedMs: batch.receivedMs, to: &bindings) }
            statements.append(SQLQuery(sqliteInsertTexts[size]!, bindings: bindings))
            start += size
        }
        return statements
    }

    /// PostgreSQL: a commit's values, one array per column of `insertColumns`.
    private struct ColumnArrays: SQLValueSink {
        private(set) var columns = Array(repeating: [SQLValue](), count: IngestFiling.postgresTypes.count)
        private var next = 0

        mutating func append(_ text: String?) { add(text.map(SQLValue.text) ?? .null) }
        mutating func append(_ number: Int64?) { add(number.map(SQLValue.int) ?? .null) }

        private mutating func add(_ value: SQLValue) {
            columns[next].append(value)
            next = (next + 1) % columns.count
        }
    }

    /// The 23 values of `insertColumns`, in order.
    private static func bind(_ event: StoredEvent, groupId: String, receivedMs: Int64, to bindings: inout some SQLValueSink) {
        bindings.append(groupId)
        bindings.append(receivedMs)
        bindings.append(event.id)
        bindings.append(event.timeMs)
        bindings.append(event.kind)
        bindings.append(event.requestId)
        bindings.append(event.function)
        bindings.append(event.region)
        bindings.append(event.runtime)
        bindings.append(event.layerVersion)
        bindings.append(event.trigger)
        bindings.append(event.sourceIp)
        bindings.append(event.category)
        bindings.append(event.rule)
        bindings.append(event.message)
        bindings.append(event.location)
        bindings.append(event.evidence)
        bindings.append(event.action)
        bindings.append(event.incidentId)
        bindings.append(event.record)
        bindings.append(event.command)
        bindings.append(event.path)
        bindings.append(event.host)
    }

    private struct FunctionKey: Hashable {
        var groupId: String
        var name: String
    }

    private struct Sighting {
        var runtime: String?
        var region: String?
        var layerVersion: String?
        var firstMs: Int64
        var lastMs: Int64
    }

    /// Every function named by a batch, once per commit: the newest runtime, region and layer, the
    /// earliest and latest sighting.
    private static func functionStatements(_ batches: [IngestWork]) -> [SQLQuery] {
        var order: [FunctionKey] = []
        var sightings: [FunctionKey: Sighting] = [:]
        for batch in batches {
            var names = [batch.agent.function]
            var seen: Set<String> = [batch.agent.function]
            for name in batch.events.map(\.function) + batch.counts.map(\.function) where seen.insert(name).inserted { names.append(name) }
            for name in names {
                let key = FunctionKey(groupId: batch.groupId, name: name)
                let agent = batch.agent
                if var sighting = sightings[key] {
                    sighting.runtime = agent.runtime ?? sighting.runtime
                    sighting.region = agent.region ?? sighting.region
                    sighting.layerVersion = agent.layerVersion ?? sighting.layerVersion
                    sighting.firstMs = min(sighting.firstMs, batch.receivedMs)
                    sighting.lastMs = max(sighting.lastMs, batch.receivedMs)
                    sightings[key] = sighting
                } else {
                    order.append(key)
                    sightings[key] = Sighting(runtime: agent.runtime, region: agent.region, layerVersion: agent.layerVersion, firstMs: batch.receivedMs, lastMs: batch.receivedMs)
                }
            }
        }
        // In key order, so that concurrent commits lock the rows they share in the same order.
        order.sort { ($0.groupId, $0.name) < ($1.groupId, $1.name) }
        return chunks(order, size: 500).map { keys in
            SQLQuery(
                """
                INSERT INTO functions (group_id, name, runtime, region, layer_version, first_seen_ms, last_seen_ms)
                VALUES \(placeholders(rows: keys.count, columns: 7)) ON CONFLICT (group_id, name) DO UPDATE SET
                runtime = COALESCE(excluded.runtime, functions.runtime), region = COALESCE(excluded.region, functions.region),
                layer_version = COALESCE(excluded.layer_version, functions.layer_version),
                first_seen_ms = COALESCE(functions.first_seen_ms, excluded.first_seen_ms),
                last_seen_ms = CASE WHEN functions.last_seen_ms IS NULL OR functions.last_seen_ms < excluded.last_seen_ms
                    THEN excluded.last_seen_ms ELSE functions.last_seen_ms END
                """,
                keys.flatMap { key -> [SQLValue] in
                    let sighting = sightings[key]!
                    return [
                        .text(key.groupId), .text(key.name), SQLValue(sighting.runtime), SQLValue(sighting.region),
                        SQLValue(sighting.layerVersion), .int(sighting.firstMs), .int(sighting.lastMs),
                    ]
                }
            )
        }
    }

    private static func countStatements(_ batches: [IngestWork]) -> [SQLQuery] {
        let rows = batches.flatMap { batch in batch.counts.map { (batch.groupId, $0) } }
        return chunks(rows, size: 1000).map { rows in
            SQLQuery(
                "INSERT INTO invocation_counts (group_id, function, from_ms, to_ms, invocations) VALUES \(placeholders(rows: rows.count, columns: 5)) ON CONFLICT DO NOTHING",
                rows.flatMap { row -> [SQLValue] in
                    let (groupId, count) = row
                    return [.text(groupId), .text(count.function), .int(count.fromMs), .int(count.toMs), .int(count.invocations)]
                }
            )
        }
    }

    // MARK: Outcomes

    private struct EventKey: Hashable {
        var groupId: String
        var id: String
    }

    /// An inserted event counts as accepted for the first batch of the commit that carried it; every
    /// other copy (a retry, or the same event in a concurrent batch) is a duplicate. `inserted` holds
    /// the inserted keys among its rows (each `group_id, id`); nil means every event filed was new.
    private static func outcomes(_ batches: [IngestWork], fresh: [Bool], inserted: [SQLRows]?) -> [Result<IngestOutcome, StoreError>] {
        var keys = Set<EventKey>()
        for rows in inserted ?? [] {
            for row in rows where row.count == 2 {
                if let groupId = row[0].text, let id = row[1].text { keys.insert(EventKey(groupId: groupId, id: id)) }
            }
        }
        return zip(batches, fresh).map { (batch, fresh) -> Result<IngestOutcome, StoreError> in
            guard fresh else { return .failure(StoreError(.replayed, "the request's nonce was already used: it is a replay")) }
            var accepted = Set<String>()
            if inserted == nil {
                accepted = Set(batch.events.map(\.id))
            } else {
                for event in batch.events where keys.remove(EventKey(groupId: batch.groupId, id: event.id)) != nil { accepted.insert(event.id) }
            }
            return .success(IngestOutcome(duplicates: batch.events.count - accepted.count, acceptedIds: accepted))
        }
    }

    // MARK: Text

    /// `(?, ?), (?, ?)` for a multi-row VALUES list.
    private static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    private static func chunks<Element>(_ elements: [Element], size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: elements.count, by: size).map { elements[$0..<min($0 + size, elements.count)] }
    }

    /// A PostgreSQL array literal (`{"a",NULL,3}`), so that a whole column is one parameter.
    static func arrayLiteral(_ values: [SQLValue]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch value {
            case .null: out += "NULL".utf8
            case .int(let number): out += String(number).utf8
            case .text(let text):
                out.append(UInt8(ascii: "\""))
                for byte in text.utf8 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                    out.append(byte)
                }
                out.append(UInt8(ascii: "\""))
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
