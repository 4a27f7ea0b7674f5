import Foundation
import NIOCore
import NIOPosix
import PalisadeConsoleClient
import PalisadeConsoleProtocol
import PalisadeStore

/// Where committed events go besides the database: syslog (CEF in RFC 5424, UDP or TCP) and a webhook.
public struct SIEMDestinations: Sendable, Equatable {
    public enum SyslogTransport: String, Sendable { case udp, tcp }

    public var syslog: (transport: SyslogTransport, host: String, port: Int)?
    public var webhook: HTTPEndpoint?

    public init(syslog: (transport: SyslogTransport, host: String, port: Int)? = nil, webhook: HTTPEndpoint? = nil) {
        self.syslog = syslog
        self.webhook = webhook
    }

    public static func == (lhs: SIEMDestinations, rhs: SIEMDestinations) -> Bool {
        lhs.webhook == rhs.webhook && lhs.syslog?.transport == rhs.syslog?.transport && lhs.syslog?.host == rhs.syslog?.host
            && lhs.syslog?.port == rhs.syslog?.port
    }

    public var isEmpty: Bool { syslog == nil && webhook == nil }
}

/// Forwards events after their batch is committed, in order, retrying each destination with backoff.
/// Bounded: when a destination stays down, the oldest queued events are dropped (and counted), never
/// the ingest path slowed down — the database is the record, the SIEM a copy.
actor SIEMForwarder {
    private let destinations: SIEMDestinations
    private let metrics: ConsoleMetrics
    private let hostname: String
    private var queue: [StoredEvent] = []
    private var draining = false
    private var tcpChannel: (any Channel)?
    static let capacity = 50_000
    static let maxAttempts = 5

    /// Whether any destination is configured, so the ingest path skips the hop when none is.
    nonisolated var isEnabled: Bool { !destinations.isEmpty }

    init(destinations: SIEMDestinations, metrics: ConsoleMetrics) {
        self.destinations = destinations
        self.metrics = metrics
        hostname = ProcessInfo.processInfo.hostName
    }

    func enqueue(_ events: [StoredEvent]) {
        guard !destinations.isEmpty, !events.isEmpty else { return }
        queue += events
        if queue.count > Self.capacity {
            metrics.recordForwardFailure("dropped")
            queue.removeFirst(queue.count - Self.capacity)
        }
        guard !draining else { return }
        draining = true
        Task { await drain() }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(100))
            queue.removeFirst(batch.count)
            if let syslog = destinations.syslog {
                let messages = batch.map { SyslogMessage.rfc5424(event: $0, hostname: hostname) }
                await withRetry("syslog-\(syslog.transport.rawValue)", events: batch.count) { () async throws in
                    switch syslog.transport {
                    case .udp: try await self.sendUDP(messages, host: syslog.host, port: syslog.port)
                    case .tcp: try await self.sendTCP(messages, host: syslog.host, port: syslog.port)
                    }
                }
            }
            if let webhook = destinations.webhook {
                let body = Self.webhookBody(batch)
                await withRetry("webhook", events: batch.count) { () async throws in
                    let reply = try await HTTPExchange.send(to: webhook, method: "POST", path: "", headers: [("Content-Type", "application/json")], body: body)
                    guard (200..<300).contains(reply.status) else { throw ConsoleClientError.refused(status: reply.status, code: nil, message: "webhook") }
                }
            }
        }
        draining = false
    }

    private func withRetry(_ destination: String, events: Int, _ send: () async throws -> Void) async {
        var backoff = Duration.milliseconds(100)
        for attempt in 1...Self.maxAttempts {
            do {
                try await send()
                metrics.recordForwarded(destination, events: events)
                return
            } catch {
                metrics.recordForwardFailure(destination)
                guard attempt < Self.maxAttempts else { return }
                try? await Task.sleep(for: backoff)
                backoff *= 2
            }
        }
    }

    private func sendUDP(_ messages: [String], host: String, port: Int) async throws {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let local = Self.isLoopback(host) ? (address.protocol == .inet6 ? "::1" : "127.0.0.1") : (address.protocol == .inet6 ? "::" : "0.0.0.0")
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: local, port: 0).get()
        do {
            for message in messages {
                try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: message)))
            }
        } catch {
            try? await channel.close()
            throw error
        }
        try? await channel.close()
    }

    /// RFC 6587 octet counting: `LENGTH SP MESSAGE`, so messages may contain newlines.
    private func sendTCP(_ messages: [String], host: String, port: Int) async throws {
        let channel: any Channel
        if let open = tcpChannel, open.isActive {
            channel = open
        } else {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(5)).connect(host: host, port: port).get()
            tcpChannel = channel
        }
        var buffer = ByteBuffer()
        for message in messages {
            buffer.writeString("\(message.utf8.count) \(message)")
        }
        do {
            try await channel.writeAndFlush(buffer)
        } catch {
            tcpChannel = nil
            try? await channel.close()
            throw error
        }
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func webhookBody(_ events: [StoredEvent]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(["events": events.map(IngestBatch.Event.init)])) ?? Data())
    }
}

/// Security events as syslog lines that a SIEM parses: CEF inside an RFC 5424 message.
enum SyslogMessage {
    /// Facility local0; blocked attacks are warnings (4), reported ones notices (5).
    static func rfc5424(event: StoredEvent, hostname: String) -> String {
        let severity = event.action == "blocked" ? 4 : 5
        let priority = 16 * 8 + severity
        let time = RFC3339.format(millisecondsSinceEpoch: event.timeMs)
        return "<\(priority)>1 \(time) \(hostname.isEmpty ? "-" : hostname) palisade - \(event.kind) - \(cef(event))"
    }

    static func cef(_ event: StoredEvent) -> String {
        let severity = event.action == "blocked" ? 8 : 5
        var extensions: [(String, String?)] = [
            ("rt", String(event.timeMs)), ("act", event.action), ("cat", event.category), ("src", event.sourceIp),
            ("request", event.location), ("msg", event.evidence), ("externalId", event.id), ("cs1Label", "function"),
            ("cs1", event.function), ("cs2Label", "requestId"), ("cs2", event.requestId), ("cs3Label", "trigger"), ("cs3", event.trigger),
        ]
        if let command = event.command { extensions += [("cs4Label", "command"), ("cs4", command)] }
        if let path = event.path { extensions += [("filePath", path)] }
        if let host = event.host { extensions += [("dhost", host)] }
        let header = ["CEF:0", "Palisade", "Palisade", "1", header(event.rule), header(event.message), String(severity)].joined(separator: "|")
        let body = extensions.compactMap { key, value in value.map { "\(key)=\(extensionValue($0))" } }.joined(separator: " ")
        return header + "|" + body
    }

    /// CEF header fields escape `\` and `|`; line breaks would split the record, so they become spaces.
    static func header(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// CEF extension values escape `\` and `=`, and spell line breaks as `\n` / `\r`.
    static func extensionValue(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "=", with: "\\=")
            .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}
