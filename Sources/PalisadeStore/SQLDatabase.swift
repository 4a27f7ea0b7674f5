/// One value bound to or read from a SQL statement; the store needs only integers, text and NULL.
public enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
    case null

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ number: Int64?) { self = number.map(SQLValue.int) ?? .null }
    init(_ number: Int?) { self = number.map { SQLValue.int(Int64($0)) } ?? .null }

    var int: Int64? { if case .int(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
}

/// A statement's values with every text packed into one byte buffer: SQLite binds them where they lie
/// (no copy per value), and the thousands of values of an ingest commit are two allocations to free,
/// made and freed off SQLite's single writer thread, not one string each.
struct SQLBindings: Sendable {
    enum Slot: Sendable {
        case int(Int64)
        /// UTF-8 bytes `start..<start + count` of ``bytes``.
        case text(start: Int, count: Int)
        case null
    }

    private(set) var slots: [Slot] = []
    private(set) var bytes: [UInt8] = []

    init(values: Int = 0, textBytes: Int = 0) {
        slots.reserveCapacity(values)
        bytes.reserveCapacity(textBytes)
    }

    init(_ values: [SQLValue]) {
        self.init(values: values.count)
        for value in values { append(value) }
    }

    mutating func append(_ value: SQLValue) {
        switch value {
        case .int(let number): slots.append(.int(number))
        case .text(let text): append(text)
        case .null: slots.append(.null)
        }
    }

    mutating func append(_ text: String?) {
        guard let text else { return slots.append(.null) }
        let start = bytes.count
        bytes += text.utf8
        slots.append(.text(start: start, count: bytes.count - start))
    }

    mutating func append(_ number: Int64?) {
        slots.append(number.map(Slot.int) ?? .null)
    }

    var count: Int { slots.count }

    /// The values one by one (PostgreSQL binds them so).
    var values: [SQLValue] {
        slots.map { slot in
            switch slot {
            case .int(let number): .int(number)
            case .text(let start, let count): .text(String(decoding: bytes[start..<start + count], as: UTF8.self))
            case .null: .null
            }
        }
    }
}

/// Where a row's values go, in column order: packed for SQLite (``SQLBindings``), or into one array
/// per column for PostgreSQL's `UNNEST` insert.
protocol SQLValueSink {
    mutating func append(_ text: String?)
    mutating func append(_ number: Int64?)
}

extension SQLBindings: SQLValueSink {}

/// A statement with `?` placeholders, written once for both SQLite and PostgreSQL.
struct SQLQuery: Sendable {
    var sql: String
    var bindings: SQLBindings

    init(_ sql: String, _ binds: [SQLValue] = []) {
        self.init(sql, bindings: SQLBindings(binds))
    }

    init(_ sql: String, bindings: SQLBindings) {
        self.sql = sql
        self.bindings = bindings
    }

    /// The same statement with PostgreSQL's numbered placeholders (`$1`, `$2`, …).
    var numberedPlaceholders: String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + bindings.count * 2)
        var number = 0
        for character in sql {
            if character == "?" {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}

typealias SQLRows = [[SQLValue]]

/// What the shared store needs from a database: reads, and a list of statements run as one transaction.
protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    func migrate() async throws(StoreError)
    func read(_ query: SQLQuery) async throws(StoreError) -> SQLRows
    /// Runs `first`, then the statements `next` derives from their rows, all in one transaction, and
    /// returns the rows of both; nothing is kept on error.
    func transaction(
        _ first: [SQLQuery], then next: @escaping @Sendable ([SQLRows]) throws(StoreError) -> [SQLQuery]
    ) async throws(StoreError) -> (first: [SQLRows], then: [SQLRows])
    func close() async
}

extension SQLDatabase {
    /// Runs every statement in one transaction and returns each one's rows; nothing is kept on error.
    func transaction(_ statements: [SQLQuery]) async throws(StoreError) -> [SQLRows] {
        try await transaction(statements, then: { _ in [] }).first
    }
}

enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Case-insensitive substring match: `LIKE` folds ASCII case in SQLite, PostgreSQL needs `ILIKE`.
    var caseInsensitiveLike: String { self == .sqlite ? "LIKE" : "ILIKE" }

    /// Commits that may run at once for one console: SQLite has one writer; PostgreSQL takes several.
    var concurrentCommits: Int { self == .sqlite ? 1 : 4 }
}
