import PalisadeSystem

/// Finds the policy for the running function from its environment, never failing: a broken policy
/// becomes a log line and the safe default (report every protection, block nothing).
public struct PolicyLoader: Sendable {
    /// What was loaded, where from, and anything an operator should read in the log.
    public struct Loaded: Sendable {
        public var policy: EffectivePolicy
        /// `PALISADE_POLICY`, the file's path, or `default`.
        public var source: String
        public var problems: [String]
    }

    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// `PALISADE_POLICY` (inline JSON) wins over `PALISADE_POLICY_FILE`; `PALISADE_MODE` sets the
    /// default mode of every protection the policy leaves unset.
    public func load() -> Loaded {
        var problems: [String] = []
        if let text = environment["PALISADE_MODE"], !text.isEmpty, defaultMode == nil {
            problems.append("PALISADE_MODE=\(text) is not off, report or mitigate; ignored")
        }
        let bytes: [UInt8]
        let source: String
        if let inline = environment["PALISADE_POLICY"], !inline.isEmpty {
            bytes = Array(inline.utf8)
            source = "PALISADE_POLICY"
        } else if let path = environment["PALISADE_POLICY_FILE"], !path.isEmpty {
            source = path
            do {
                bytes = try Files.read(path, limit: 1 << 20)
            } catch {
                problems.append("policy file unreadable (\(error)); using the default policy")
                return Loaded(policy: .fallback(mode: defaultMode), source: "default", problems: problems)
            }
        } else {
            return Loaded(policy: .fallback(mode: defaultMode), source: "default", problems: problems)
        }
        do {
            return Loaded(policy: try resolve(bytes), source: source, problems: problems)
        } catch {
            problems.append("policy from \(source) rejected (\(error)); using the default policy")
            return Loaded(policy: .fallback(mode: defaultMode), source: "default", problems: problems)
        }
    }

    /// A policy document from elsewhere (the console), resolved for this function as `load` does.
    public func resolve(_ document: [UInt8]) throws(PolicyError) -> EffectivePolicy {
        try Policy(json: document).resolved(functionName: environment["AWS_LAMBDA_FUNCTION_NAME"] ?? "", defaultMode: defaultMode)
    }

    /// `PALISADE_MODE`, when it names a mode.
    var defaultMode: Mode? {
        environment["PALISADE_MODE"].flatMap { Mode(rawValue: $0.lowercased()) }
    }
}
