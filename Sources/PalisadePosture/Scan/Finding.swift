/// The verdict of a check on a resource, as reports show it.
public struct Finding: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case passed, failed, skipped
    }

    public var checkID: String
    public var title: String
    public var severity: Severity
    public var equivalents: [String]
    public var resource: String
    public var file: String
    public var line: Int
    public var status: Status
    public var message: String
    /// The reason given in the inline suppression, for skipped findings.
    public var suppression: String?

    public init(check: any PostureCheck, result: CheckResult, status: Status, suppression: String? = nil) {
        checkID = check.id
        title = check.title
        severity = check.severity
        equivalents = check.equivalents
        resource = result.ref.id
        file = result.ref.file
        line = result.line ?? result.ref.line
        self.status = status
        message = result.message
        self.suppression = suppression
    }
}

/// What a scan found, and the files it could not read.
public struct ScanReport: Sendable {
    public var findings: [Finding]
    public var errors: [PostureError]

    public init(findings: [Finding], errors: [PostureError]) {
        self.findings = findings
        self.errors = errors
    }

    /// Failed findings at or above the given severity.
    public func failures(atLeast severity: Severity) -> [Finding] {
        findings.filter { $0.status == .failed && $0.severity >= severity }
    }
}
