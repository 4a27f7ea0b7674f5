import PalisadeHTTP
import PalisadePolicy
import PalisadeSystem

/// Everything the agent reads from its environment, in one place.
public struct AgentConfiguration: Sendable {
    /// The real Runtime and Extensions API (`AWS_LAMBDA_RUNTIME_API`).
    public var upstream: LoopbackAddress
    public var functionName: String
    /// Where the agent tells the wrapper its proxy's port (`PALISADE_STATE_DIR`, default /tmp/palisade).
    public var stateDirectory: String
    /// The directory cleaned between invocations (`PALISADE_TMP_DIR`, default /tmp).
    public var tmpDirectory: String
    /// Port for the proxy (`PALISADE_PROXY_PORT`); 0 picks a free one.
    public var proxyPort: Int
    /// A file that receives the queued security events on SHUTDOWN (`PALISADE_EVENTS_OUT`).
    public var eventsOut: String?
    public var environment: [String: String]

    public var stateFile: String { stateDirectory + "/agent" }
    /// The behaviour guard's unix socket (`PALISADE_GUARD_SOCKET` for the function's processes).
    public var guardSocket: String { stateDirectory + "/guard.sock" }

    public init(environment: [String: String]) throws(AgentError) {
        guard let api = environment["AWS_LAMBDA_RUNTIME_API"], !api.isEmpty else {
            throw AgentError(.configuration, "AWS_LAMBDA_RUNTIME_API is not set: the agent must run as a Lambda extension")
        }
        do {
            upstream = try LoopbackAddress(api)
        } catch {
            throw AgentError(.configuration, "AWS_LAMBDA_RUNTIME_API: \(error)")
        }
        functionName = environment["AWS_LAMBDA_FUNCTION_NAME"] ?? "unknown"
        stateDirectory = environment["PALISADE_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/palisade"
        tmpDirectory = environment["PALISADE_TMP_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        proxyPort = environment["PALISADE_PROXY_PORT"].flatMap { Int($0) } ?? 0
        eventsOut = environment["PALISADE_EVENTS_OUT"].flatMap { $0.isEmpty ? nil : $0 }
        self.environment = environment
    }
}

/// Why the agent could not do its job.
public typealias AgentError = CodedError<AgentErrorCode>

public enum AgentErrorCode: String, Sendable {
    case configuration = "agent.configuration"
    case registration = "agent.registration"
}
