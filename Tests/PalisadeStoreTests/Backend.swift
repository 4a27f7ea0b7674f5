import Testing
import Foundation
import PalisadeStore

/// A database to run the store tests on; each test gets an empty one.
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A new SQLite file, or a new schema-less database on the test PostgreSQL server.
    func freshLocation() throws -> StoreLocation {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-store-\(UUID().uuidString).db").path
            return .sqlite(path: path)
        case .postgres:
            let url = ProcessInfo.processInfo.environment["PALISADE_TEST_POSTGRES_URL"] ?? ""
            return try StoreLocation(try TestPostgres.createDatabase(serverURL: url))
        }
    }

    func withStore(_ body: (any ConsoleStore) async throws -> Void) async throws {
        let store = try await freshLocation().open()
        do {
            try await body(store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// Gives every PostgreSQL test its own database, made with `createdb` so tests never share rows.
enum TestPostgres {
    static func createDatabase(serverURL: String) throws -> String {
        let name = "palisade_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", serverURL, "-q", "-c", "CREATE DATABASE \(name)"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestPostgresError(message: "psql could not create database \(name) on \(serverURL)") }
        let base = serverURL[..<(serverURL.lastIndex(of: "/") ?? serverURL.endIndex)]
        return base + "/" + name
    }
}

struct TestPostgresError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
