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

/// A statement with `?` placeholders, written once for both SQLite and PostgreSQL.
struct SQLQuery: Sendable {
    var sql: String
    var binds: [SQLValue]

    init(_ sql: String, _ binds: [SQLValue] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// The same statement with PostgreSQL's numbered placeholders (`$1`, `$2`, …).
    var numberedPlaceholders: String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + binds.count * 2)
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
