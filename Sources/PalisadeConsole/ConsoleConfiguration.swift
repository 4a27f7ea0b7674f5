import PalisadeConsoleClient
import PalisadeStore

/// A configuration the console refuses to start with; `code` is stable, the message names the setting.
public struct ConsoleConfigurationError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public var description: String { "\(code): \(message)" }
}

/// How `palisade console serve` runs: flags win over environment variables, which win over defaults.
public struct ConsoleConfiguration: Sendable {
    public var database: StoreLocation
    public var host: String
    public var port: Int
    public var siem: SIEMDestinations

    public static let defaultDatabase = "sqlite:./palisade.db"
    public static let defaultListen = "127.0.0.1:8080"

    public init(database: StoreLocation, host: String = "127.0.0.1", port: Int = 8080, siem: SIEMDestinations = SIEMDestinations()) {
        self.database = database
        self.host = host
        self.port = port
        self.siem = siem
    }

    /// Reads `PALISADE_CONSOLE_DATABASE`, `PALISADE_CONSOLE_LISTEN`, `PALISADE_SIEM_SYSLOG`
    /// (`udp://HOST:PORT` or `tcp://HOST:PORT`) and `PALISADE_SIEM_WEBHOOK` (`http://…`).
    public static func resolve(database: String?, listen: String?, environment: [String: String]) throws(ConsoleConfigurationError) -> ConsoleConfiguration {
        let databaseText = database ?? environment["PALISADE_CONSOLE_DATABASE"] ?? defaultDatabase
        let location: StoreLocation
        do { location = try StoreLocation(databaseText) } catch {
            throw ConsoleConfigurationError(code: "config.database", message: "--database / PALISADE_CONSOLE_DATABASE: \(error.message)")
        }
        let listenText = listen ?? environment["PALISADE_CONSOLE_LISTEN"] ?? defaultListen
        let (host, port) = try hostPort(listenText, setting: "--listen / PALISADE_CONSOLE_LISTEN")
        var siem = SIEMDestinations()
        if let syslog = environment["PALISADE_SIEM_SYSLOG"], !syslog.isEmpty {
            let parts = syslog.split(separator: "://", maxSplits: 1).map(String.init)
            guard parts.count == 2, let transport = SIEMDestinations.SyslogTransport(rawValue: parts[0]) else {
                throw ConsoleConfigurationError(code: "config.syslog", message: "PALISADE_SIEM_SYSLOG must be udp://HOST:PORT or tcp://HOST:PORT, got \(syslog)")
            }
            let (syslogHost, syslogPort) = try hostPort(parts[1], setting: "PALISADE_SIEM_SYSLOG")
            siem.syslog = (transport, syslogHost, syslogPort)
        }
        if let webhook = environment["PALISADE_SIEM_WEBHOOK"], !webhook.isEmpty {
            do { siem.webhook = try HTTPEndpoint(url: webhook) } catch {
                throw ConsoleConfigurationError(code: "config.webhook", message: "PALISADE_SIEM_WEBHOOK: \(error)")
            }
        }
        return ConsoleConfiguration(database: location, host: host, port: port, siem: siem)
    }

    static func hostPort(_ text: String, setting: String) throws(ConsoleConfigurationError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConsoleConfigurationError(code: "config.listen", message: "\(setting) must be HOST:PORT with a port from 0 to 65535, got \(text)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConsoleConfigurationError(code: "config.listen", message: "\(setting) needs a host, e.g. 127.0.0.1:8080") }
        return (host, port)
    }
}
