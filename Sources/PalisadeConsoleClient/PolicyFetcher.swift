import PalisadeConsoleProtocol

/// The policy the agent should apply, and where it came from.
public enum FetchedPolicy: Sendable, Equatable {
    /// A new or changed policy from the console, with its ETag for the next refresh.
    case console(document: [UInt8], etag: String)
    /// The console confirmed the cached policy (304).
    case unchanged
    /// The console could not be reached: the policy embedded in `PALISADE_POLICY`, if any.
    case embedded([UInt8]?, reason: ConsoleClientError)
}

/// Fetches the effective policy at cold start and on refresh, with `If-None-Match`; falls back to the
/// embedded policy when the console is unreachable, so a console outage never stops a function.
public actor PolicyFetcher {
    private let client: ConsoleClient
    private let function: String
    private let embedded: [UInt8]?
    private var etag: String?

    public init(client: ConsoleClient, function: String, embedded: String?) {
        self.client = client
        self.function = function
        self.embedded = embedded.map { Array($0.utf8) }
    }

    /// `timeout` overrides the client's for this request (the cold start has less time to wait).
    public func fetch(timeout: Duration? = nil) async -> FetchedPolicy {
        var client = client
        if let timeout { client.timeout = timeout }
        var headers: [(String, String)] = []
        if let etag { headers.append(("If-None-Match", etag)) }
        do {
            let reply = try await client.send(method: "GET", path: "/api/v1/policy?function=\(Self.percentEncoded(function))", headers: headers)
            if reply.status == 304 { return .unchanged }
            guard let tag = reply.header("ETag") else { return .embedded(embedded, reason: .malformedResponse("the policy answer has no ETag")) }
            etag = tag
            return .console(document: reply.body, etag: tag)
        } catch {
            return .embedded(embedded, reason: error)
        }
    }

    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return out
    }
}
