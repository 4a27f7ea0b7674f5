import PalisadeConsoleProtocol
import PalisadeJSON

/// The function the agent protects, as the console files it.
public struct AgentDescription: Sendable {
    public var function: String
    public var region: String?
    public var runtime: String?
    public var layerVersion: String?

    public init(function: String, region: String? = nil, runtime: String? = nil, layerVersion: String? = nil) {
        self.function = function
        self.region = region
        self.runtime = runtime
        self.layerVersion = layerVersion
    }
}

/// Invocations of the function between two instants, milliseconds since 1970.
public struct InvocationCounter: Sendable {
    public var function: String
    public var invocations: Int
    public var fromMs: Int64
    public var toMs: Int64

    public init(function: String, invocations: Int, fromMs: Int64, toMs: Int64) {
        self.function = function
        self.invocations = invocations
        self.fromMs = fromMs
        self.toMs = toMs
    }
}

/// What the console said about a delivered batch.
public struct BatchReceipt: Sendable, Equatable {
    public var accepted: Int
    public var duplicates: Int

    public init(accepted: Int, duplicates: Int) {
        self.accepted = accepted
        self.duplicates = duplicates
    }

    /// Reads the console's answer to an ingest request: `{"accepted": N, "duplicates": N}`.
    public init(reply body: [UInt8]) throws(ConsoleClientError) {
        guard let root = try? JSONDocument(bytes: body).root, let accepted = root["accepted"].flatMap(Self.integer),
              let duplicates = root["duplicates"].flatMap(Self.integer)
        else { throw ConsoleClientError.malformedResponse("the ingest answer has no accepted/duplicates counts") }
        self.init(accepted: accepted, duplicates: duplicates)
    }

    private static func integer(_ value: JSONValue) -> Int? {
        value.kind == .number ? Int(String(decoding: value.stringBytes, as: UTF8.self)) : nil
    }
}

/// Sends batches of security events (each already a JSON object, as the agent logs it) gzip-compressed,
/// and retries transient failures with the same bytes: event ids make a retry harmless.
public struct EventBatchSender: Sendable {
    public let client: ConsoleClient
    public let agent: AgentDescription
    public var maxAttempts: Int
    public var firstBackoff: Duration

    public init(client: ConsoleClient, agent: AgentDescription, maxAttempts: Int = 5, firstBackoff: Duration = .milliseconds(200)) {
        self.client = client
        self.agent = agent
        self.maxAttempts = maxAttempts
        self.firstBackoff = firstBackoff
    }

    public static let ingestPath = "/api/v1/ingest"
    /// A batch's body is JSON, gzip-compressed.
    public static let bodyHeaders = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]

    /// The uncompressed batch: `{"agent": {...}, "events": [...], "counters": [...]}`.
    public func body(events: [[UInt8]], counters: [InvocationCounter]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(256) { $0 + $1.count + 1 })
        out += Array(#"{"agent":{"function":"#.utf8) + Self.quoted(agent.function)
        for (name, value) in [("region", agent.region), ("runtime", agent.runtime), ("layerVersion", agent.layerVersion)] {
            if let value { out += Array(",\"\(name)\":".utf8) + Self.quoted(value) }
        }
        out += Array(#"},"events":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            var trimmed = event[...]
            while let last = trimmed.last, last == 10 || last == 13 || last == 32 { trimmed.removeLast() }
            out += trimmed
        }
        out += Array(#"],"counters":["#.utf8)
        for (index, counter) in counters.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"function":"#.utf8) + Self.quoted(counter.function)
            out += Array(",\"invocations\":\(counter.invocations),\"from\":\"\(RFC3339.format(millisecondsSinceEpoch: counter.fromMs))\",\"to\":\"\(RFC3339.format(millisecondsSinceEpoch: counter.toMs))\"}".utf8)
        }
        out += Array("]}".utf8)
        return out
    }

    /// Delivers one batch; returns once the console has committed it, or throws after the last attempt.
    public func send(events: [[UInt8]], counters: [InvocationCounter] = []) async throws(ConsoleClientError) -> BatchReceipt {
        let compressed = Gzip.compress(body(events: events, counters: counters))
        var attempt = 1
        var backoff = firstBackoff
        while true {
            do throws(ConsoleClientError) {
                let reply = try await client.send(method: "POST", path: Self.ingestPath, headers: Self.bodyHeaders, body: compressed)
                return try BatchReceipt(reply: reply.body)
            } catch {
                guard error.isTransient, attempt < maxAttempts else { throw error }
            }
            try? await Task.sleep(for: backoff)
            attempt += 1
            backoff *= 2
        }
    }

    private static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [92, 34]
            case 92: out += [92, 92]
            case 0..<0x20: out += Array("\\u00\(Hex.encode([byte]))".utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}
