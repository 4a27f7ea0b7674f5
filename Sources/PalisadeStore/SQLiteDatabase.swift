import CSQLite
import NIOPosix

/// SQLite behind the store: one writer connection on its own thread (SQLite allows one writer at a
/// time anyway), one reader connection on another, so queries never wait for an ingest commit (WAL),
/// and a checkpointer on a third (see ``SQLiteCheckpointer``).
final class SQLiteDatabase: SQLDatabase {
    let dialect = SQLDialect.sqlite
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let writerThread = NIOThreadPool(numberOfThreads: 1)
    private let readerThread = NIOThreadPool(numberOfThreads: 1)
    private let checkpointer: SQLiteCheckpointer

    init(path: String) throws(StoreError) {
        writer = try SQLiteConnection(path: path)
        // WAL with synchronous=NORMAL: a commit is written to the WAL file (the OS holds it) before the
        // batch is acknowledged, so it survives a killed process (kill -9); only a power loss or kernel
        // crash can lose the last commits, as there is no fsync per commit (syncs happen at checkpoints).
        // A 64 MiB page cache each: the event indexes of a million rows stay in memory. The WAL hook
        // replaces SQLite's automatic checkpoint, which would run on the writer's thread.
        try writer.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536")
        reader = try SQLiteConnection(path: path)
        try reader.execute("PRAGMA busy_timeout=5000; PRAGMA query_only=ON; PRAGMA cache_size=-65536")
        checkpointer = try SQLiteCheckpointer(path: path)
        writer.reportCommits(to: checkpointer)
        writerThread.start()
        readerThread.start()
    }

    func migrate() async throws(StoreError) {
        let steps = Migrations.sqlite
        try await onThread(writerThread) { [writer] () throws(StoreError) in
            try writer.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
            let applied = try writer.rows(SQLQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")).first?.first?.int ?? 0
            for (index, step) in steps.enumerated() where Int64(index + 1) > applied {
                try writer.inTransaction { () throws(StoreError) in
                    try writer.execute(step)
                    _ = try writer.rows(SQLQuery("INSERT INTO schema_migrations (version) VALUES (?)", [.int(Int64(index + 1))]))
                }
            }
        }
    }

    func read(_ query: SQLQuery) async throws(StoreError) -> SQLRows {
        try await onThread(readerThread) { [reader] () throws(StoreError) in try reader.rows(query) }
    }

    func transaction(
        _ first: [SQLQuery], then next: @escaping @Sendable ([SQLRows]) throws(StoreError) -> [SQLQuery]
    ) async throws(StoreError) -> (first: [SQLRows], then: [SQLRows]) {
        try await onThread(writerThread) { [writer] () throws(StoreError) in
            try writer.inTransaction { () throws(StoreError) in
                let before = try first.map { query throws(StoreError) in try writer.rows(query) }
                let after = try next(before).map { query throws(StoreError) in try writer.rows(query) }
                return (before, after)
            }
        }
    }

    func close() async {
        try? await writerThread.shutdownGracefully()
        try? await readerThread.shutdownGracefully()
        writer.close()
        reader.close()
        await checkpointer.close()
    }

    private func onThread<Result: Sendable>(_ thread: NIOThreadPool, _ work: @Sendable @escaping () throws(StoreError) -> Result) async throws(StoreError) -> Result {
        let outcome: Swift.Result<Result, StoreError>
        do {
            outcome = try await thread.runIfActive { () -> Swift.Result<Result, StoreError> in
                do throws(StoreError) { return .success(try work()) } catch { return .failure(error) }
            }
        } catch {
            throw StoreError(.unavailable, "the SQLite worker thread has stopped")
        }
        return try outcome.get()
    }
}

/// One SQLite handle, used by one thread at a time (its pool's only thread).
final class SQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws(StoreError) {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw StoreError(.unavailable, "cannot open SQLite database at \(path): \(message)")
        }
    }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        sqlite3_close(handle)
        handle = nil
    }

    func execute(_ sql: String) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw StoreError(.statementFailed, message)
        }
    }

    /// Hands the WAL's size to `checkpointer` after every commit; this turns off the automatic checkpoint.
    func reportCommits(to checkpointer: SQLiteCheckpointer) {
        sqlite3_wal_hook(handle, { context, handle, _, pages in
            if let context { Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue().walGrew(pages: pages, writer: handle) }
            return SQLITE_OK
        }, Unmanaged.passUnretained(checkpointer).toOpaque())
    }

    /// A PASSIVE checkpoint: copies back what it can without waiting for a lock. A busy or failed one
    /// leaves the WAL as it is (nothing is lost), and the next commit's report starts another.
    func checkpoint() {
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    func inTransaction<Result>(_ body: () throws(StoreError) -> Result) throws(StoreError) -> Result {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs one statement (prepared once and cached by its text) and returns its rows. Texts are bound
    /// in place (SQLITE_STATIC): the statement is reset, and its bindings cleared, before their buffer
    /// may go away.
    func rows(_ query: SQLQuery) throws(StoreError) -> SQLRows {
        let (statement, cached) = try prepared(query.sql)
        defer { if !cached { sqlite3_finalize(statement) } }
        let bindings = query.bindings
        let outcome = bindings.bytes.withUnsafeBufferPointer { bytes -> Result<SQLRows, StoreError> in
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            for (offset, slot) in bindings.slots.enumerated() {
                let index = Int32(offset + 1)
                switch slot {
                case .int(let number): sqlite3_bind_int64(statement, index, number)
                case .text(let start, let count):
                    // An empty text still needs a pointer: SQLite reads a null one as NULL.
                    let pointer = count == 0 ? UnsafeRawPointer(StaticString("").utf8Start) : UnsafeRawPointer(bytes.baseAddress! + start)
                    sqlite3_bind_text(statement, index, pointer.assumingMemoryBound(to: CChar.self), Int32(count), sqliteStatic)
                case .null: sqlite3_bind_null(statement, index)
                }
            }
            var rows: SQLRows = []
            while true {
                let status = sqlite3_step(statement)
                if status == SQLITE_DONE { return .success(rows) }
                guard status == SQLITE_ROW else { return .failure(failure(status)) }
                let count = sqlite3_column_count(statement)
                var row: [SQLValue] = []
                row.reserveCapacity(Int(count))
                for column in 0..<count {
                    switch sqlite3_column_type(statement, column) {
                    case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(statement, column)))
                    case SQLITE_NULL: row.append(.null)
                    default: row.append(.text(String(cString: sqlite3_column_text(statement, column))))
                    }
                }
                rows.append(row)
            }
        }
        return try outcome.get()
    }

    private func prepared(_ sql: String) throws(StoreError) -> (OpaquePointer, cached: Bool) {
        if let statement = statements[sql] { return (statement, true) }
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        // Batch inserts differ in row count; cache only statements that are likely to repeat.
        guard statements.count < 256 else { return (statement, false) }
        statements[sql] = statement
        return (statement, true)
    }

    private func failure(_ status: Int32) -> StoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        let primary = status & 0xff
        return StoreError(primary == SQLITE_CONSTRAINT ? .conflict : .statementFailed, message)
    }
}

/// SQLITE_STATIC (a null destructor): SQLite reads the bound text where it lies, without a copy.
private let sqliteStatic: sqlite3_destructor_type? = nil
