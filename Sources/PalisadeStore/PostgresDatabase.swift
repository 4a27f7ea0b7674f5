import Logging
import NIOCore
import PostgresNIO

/// PostgreSQL behind the store, through postgres-nio's connection pool; several consoles may share it.
final class PostgresDatabase: SQLDatabase {
    let dialect = SQLDialect.postgres
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger = Logger(label: "palisade.store.postgres")

    init(location: PostgresLocation) {
        let configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user,
            password: location.password, database: location.database, tls: .disable
        )
        let client = PostgresClient(configuration: configuration)
        self.client = client
        runner = Task { await client.run() }
    }

    func migrate() async throws(StoreError) {
        // An advisory lock so that consoles starting together do not migrate twice.
        let lock = SQLQuery("SELECT pg_advisory_xact_lock(4242)")
        let create = SQLQuery("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
        let applied = try await transaction([lock, create, SQLQuery("SELECT COALESCE(MAX(version), 0)::bigint FROM schema_migrations")])
        let done = applied.last?.first?.first?.int ?? 0
        for (index, step) in Migrations.postgres.enumerated() where Int64(index + 1) > done {
            let record = SQLQuery("INSERT INTO schema_migrations (version) VALUES (?) ON CONFLICT DO NOTHING", [.int(Int64(index + 1))])
            let statements = step.split(separator: ";").map { SQLQuery(String($0)) }.filter { !$0.sql.allSatisfy(\.isWhitespace) }
            try await transaction([lock] + statements + [record])
        }
    }

    func read(_ query: SQLQuery) async throws(StoreError) -> SQLRows {
        do {
            let rows = try await client.query(Self.postgresQuery(query), logger: logger)
            return try await Self.collect(rows)
        } catch {
            throw Self.storeError(error)
        }
    }

    func transaction(
        _ first: [SQLQuery], then next: @escaping @Sendable ([SQLRows]) throws(StoreError) -> [SQLQuery]
    ) async throws(StoreError) -> (first: [SQLRows], then: [SQLRows]) {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let logger = self.logger
                func run(_ statements: [SQLQuery]) async throws -> [SQLRows] {
                    var results: [SQLRows] = []
                    for statement in statements {
                        let rows = try await connection.query(Self.postgresQuery(statement), logger: logger)
                        results.append(try await Self.collect(rows))
                    }
                    return results
                }
                let before = try await run(first)
                return (before, try await run(try next(before)))
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    func close() async {
        runner.cancel()
        await runner.value
    }

    private static func postgresQuery(_ query: SQLQuery) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: query.bindings.count)
        for value in query.bindings.values {
            switch value {
            case .int(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: query.numberedPlaceholders, binds: bindings)
    }

    private static func collect(_ rows: PostgresRowSequence) async throws -> SQLRows {
        var result: SQLRows = []
        for try await row in rows {
            var values: [SQLValue] = []
            for cell in row {
                guard cell.bytes != nil else {
                    values.append(.null)
                    continue
                }
                switch cell.dataType {
                case .int2, .int4, .int8: values.append(.int(try cell.decode(Int64.self)))
                case .bool: values.append(.int(try cell.decode(Bool.self) ? 1 : 0))
                case .text, .varchar, .name, .bpchar: values.append(.text(try cell.decode(String.self)))
                // Results the store never reads, such as pg_advisory_xact_lock's void.
                default: values.append(.null)
                }
            }
            result.append(values)
        }
        return result
    }

    private static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        // The transaction wrapper names the failing step; the database's own error says why.
        if let error = error as? PostgresTransactionError,
           let cause = error.closureError ?? error.commitError ?? error.beginError {
            return storeError(cause)
        }
        if let error = error as? PSQLError {
            if error.serverInfo?[.sqlState] == "23505" {
                return StoreError(.conflict, error.serverInfo?[.message] ?? "unique value exists")
            }
            if let message = error.serverInfo?[.message] {
                return StoreError(.statementFailed, message)
            }
            return StoreError(.unavailable, "PostgreSQL: \(error.code)")
        }
        return StoreError(.unavailable, "PostgreSQL: \(error)")
    }
}

/// `postgres://user:password@host:port/database`, parsed without Foundation so errors say what is wrong.
public struct PostgresLocation: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    public init(url: String) throws(StoreError) {
        var rest = Substring(url)
        guard let scheme = ["postgres://", "postgresql://"].first(where: { rest.hasPrefix($0) }) else {
            throw StoreError(.invalidLocation, "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, got \(url)")
        }
        rest = rest.dropFirst(scheme.count)
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        guard let at = rest.lastIndex(of: "@") else { throw StoreError(.invalidLocation, "the PostgreSQL URL needs a user: postgres://USER@HOST/DATABASE") }
        let credentials = rest[..<at]
        let address = rest[rest.index(after: at)...]
        if let colon = credentials.firstIndex(of: ":") {
            user = Self.percentDecoded(credentials[..<colon])
            password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
        } else {
            user = Self.percentDecoded(credentials)
            password = nil
        }
        guard let slash = address.firstIndex(of: "/"), address.index(after: slash) < address.endIndex else {
            throw StoreError(.invalidLocation, "the PostgreSQL URL needs a database name: postgres://USER@HOST:PORT/DATABASE")
        }
        database = String(address[address.index(after: slash)...])
        let hostPort = address[..<slash]
        if let colon = hostPort.lastIndex(of: ":") {
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                throw StoreError(.invalidLocation, "the PostgreSQL port must be a number from 1 to 65535 in \(url)")
            }
            host = String(hostPort[..<colon])
            port = number
        } else {
            host = String(hostPort)
            port = 5432
        }
        guard !user.isEmpty, !host.isEmpty else { throw StoreError(.invalidLocation, "the PostgreSQL URL needs a user and a host: \(url)") }
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
