/// Errors the posture tools report, each with a stable code so scripts and tests can tell them apart.
public struct PostureError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unreadableFile = "PAL-E001"
        case invalidSyntax = "PAL-E002"
        case invalidTemplate = "PAL-E003"
        case invalidSuppression = "PAL-E004"
        case invalidArgument = "PAL-E005"
        case invalidLockfile = "PAL-E006"
        case network = "PAL-E007"
        case awsRequest = "PAL-E008"
        case serviceModel = "PAL-E009"
    }

    public var code: Code
    public var file: String?
    public var line: Int?
    public var message: String

    public init(_ code: Code, file: String? = nil, line: Int? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        var location = ""
        if let file {
            location = file
            if let line { location += ":\(line)" }
            location += ": "
        }
        return "\(location)error \(code.rawValue): \(message)"
    }
}
