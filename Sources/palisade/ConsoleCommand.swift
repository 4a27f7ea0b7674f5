import ArgumentParser
import Foundation
import PalisadeConsole
import PalisadeStore

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Run the Palisade console: groups, policies, signed event ingest, dashboard, SIEM export.",
        subcommands: [Serve.self, Bootstrap.self]
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the console (API, ingest and web UI). Env: PALISADE_CONSOLE_DATABASE, PALISADE_CONSOLE_LISTEN, PALISADE_SIEM_SYSLOG, PALISADE_SIEM_WEBHOOK."
        )

        @Option(help: "sqlite:PATH (created and migrated on first start) or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE. Default: sqlite:./palisade.db")
        var database: String?

        @Option(help: "HOST:PORT to listen on. Default: 127.0.0.1:8080")
        var listen: String?

        func run() async throws {
            let configuration = try ConsoleStartup.configuration(database: database, listen: listen)
            let store = try await ConsoleStartup.open(configuration.database)
            let app = buildApplication(configuration: configuration, store: store) { host, port in
                // Unbuffered, so a supervisor or test reading the pipe sees it at once.
                FileHandle.standardOutput.write(Data("palisade console: listening on http://\(host):\(port)\n".utf8))
            }
            do {
                try await app.runService()
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    struct Bootstrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the first administrator API token and print it (once).")

        @Option(help: "Same as for serve. Default: sqlite:./palisade.db")
        var database: String?

        @Option(help: "Also create a first group with this name and print its PALISADE_KEY and PALISADE_SECRET.")
        var group: String?

        func run() async throws {
            let configuration = try ConsoleStartup.configuration(database: database, listen: nil)
            let store = try await ConsoleStartup.open(configuration.database)
            do {
                let result = try await ConsoleBootstrap.run(store: store, groupName: group, nowMs: Clock.milliseconds())
                print("PALISADE_TOKEN=\(result.token)")
                if let group = result.group {
                    print("PALISADE_GROUP=\(group.id)")
                    print("PALISADE_KEY=\(group.key)")
                    print("PALISADE_SECRET=\(group.secret)")
                }
            } catch {
                await store.close()
                throw ValidationError(error.description)
            }
            await store.close()
        }
    }
}

/// Turns configuration and database problems into one clear line before anything starts.
enum ConsoleStartup {
    static func configuration(database: String?, listen: String?) throws -> ConsoleConfiguration {
        do {
            return try ConsoleConfiguration.resolve(database: database, listen: listen, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
    }

    static func open(_ location: StoreLocation) async throws -> any ConsoleStore {
        do {
            return try await location.open()
        } catch {
            throw ValidationError(error.description)
        }
    }
}
