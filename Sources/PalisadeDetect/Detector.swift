import PalisadeJSON

/// Decides whether a Lambda invocation event carries an attack.
///
/// Build one at start-up (it compiles the rule pack) and share it: `inspect` is thread-safe.
public final class Detector: Sendable {
    public let options: DetectorOptions
    let engine: DetectionEngine

    public init(options: DetectorOptions = .init()) {
        self.options = options
        self.engine = DetectionEngine(options: options)
    }

    /// Inspects one event. Throws only when the bytes are not JSON; every limit is applied, not thrown.
    public func inspect(event bytes: [UInt8]) throws(DetectError) -> Verdict {
        try inspectDocument(event: bytes).verdict
    }

    /// Inspects one event and hands back the document it parsed, for callers that read more of the
    /// event (the agent reads the caller's address): one parse per event.
    public func inspectDocument(event bytes: [UInt8]) throws(DetectError) -> (verdict: Verdict, document: JSONDocument) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: bytes, limits: options.jsonLimits)
        } catch {
            throw DetectError(code: .invalidJSON, message: error.description)
        }
        return (engine.inspect(document), document)
    }

    /// Every attacker-controllable input of the event with its location and decoded value, in event
    /// order; the behaviour guard uses them to tell which input shaped a command, path or URL.
    public func inputs(of bytes: [UInt8]) throws(DetectError) -> (trigger: Trigger, inputs: [Input]) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: bytes, limits: options.jsonLimits)
        } catch {
            throw DetectError(code: .invalidJSON, message: error.description)
        }
        let reader = EventReader(document: document, options: options)
        var collector = InputCollector(limit: options.maxInputs)
        reader.walk(into: &collector)
        return (reader.trigger, collector.inputs)
    }
}

/// Gathers the walked inputs with their locations for `Detector.inputs(of:)`.
private struct InputCollector: InputSink {
    let limit: Int
    var paths = PathTree()
    var inputs: [Input] = []

    init(limit: Int) {
        self.limit = limit
    }

    mutating func take(_ value: consuming [UInt8], _ input: consuming WalkedInput) {
        // The whole query string repeats the parameters, which name their inputs more precisely.
        guard input.source != .queryString, inputs.count < limit else { return }
        inputs.append(Input(location: paths.location(of: input.path), value: value, record: input.record, isKey: input.isKey))
    }
}

/// Why an event could not be inspected at all.
public struct DetectError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJSON = "detect.invalid_json"
    }

    public let code: Code
    public let message: String

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Tunables with fixed defaults that bound the work done on one event.
public struct DetectorOptions: Sendable {
    public var jsonLimits = JSONLimits()
    /// Inputs looked at per event; a batch of 10,000 tiny records still stops here.
    public var maxInputs = 20_000
    /// Bytes of one input that detectors look at; the rest of a huge string is skipped.
    public var maxInputBytes = 256 << 10
    /// Levels of JSON-in-a-string and base64-in-JSON unwrapped.
    public var maxNestedDecodes = 4
    /// Whether the CRS rule pack runs beside Palisade's own detectors.
    public var crsRules = true
    /// Highest CRS paranoia level whose rules run (1 is CRS's default and has the fewest false alarms).
    public var paranoiaLevel = 1
    /// Categories looked for; others are skipped entirely.
    public var categories = Set(AttackCategory.allCases)
    /// Whether object keys and parameter and header names found clean are remembered for later
    /// events (up to 4,096 per thread), which then skip them: a function's events repeat one
    /// schema. Values are always judged afresh. Off, every event costs what the first one does.
    public var rememberCleanKeys = true

    public init() {}
}

/// One attacker-controllable value of an event.
public struct Input: Sendable, Equatable {
    public var location: String
    public var value: [UInt8]
    public var record: Int?
    /// The value is an object key or parameter name rather than a value.
    public var isKey: Bool

    public init(location: String, value: [UInt8], record: Int? = nil, isKey: Bool = false) {
        self.location = location
        self.value = value
        self.record = record
        self.isKey = isKey
    }
}
