import CModSecurityHarness
import Foundation

/// libmodsecurity3 with OWASP CRS at paranoia level 1, set up the way a WAF in front of an API would
/// run it: blocking on, JSON bodies parsed, no audit or debug log.
final class ModSecurity {
    static let crsSetup = "/etc/modsecurity/crs/crs-setup.conf"
    static let crsRules = "/usr/share/modsecurity-crs/rules"

    /// The whole configuration. Debian ships no `modsecurity.conf`, so the few directives the
    /// benchmark depends on are spelled out here rather than borrowed from a file that may be absent.
    static let configuration = """
        SecRuleEngine On
        SecRequestBodyAccess On
        SecResponseBodyAccess Off
        # The adversarial row is 1 MiB; the usual 128 KiB limit would reject it instead of scanning it.
        SecRequestBodyLimit 2097152
        SecRequestBodyNoFilesLimit 2097152
        SecRequestBodyLimitAction Reject
        SecAuditEngine Off
        SecDebugLogLevel 0
        # Parse JSON bodies into ARGS, as modsecurity.conf-recommended does, so CRS sees each value.
        SecRule REQUEST_HEADERS:Content-Type "@rx ^application/json" \
            "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
        Include \(crsSetup)
        SecAction "id:900000,phase:1,pass,nolog,t:none,setvar:tx.paranoia_level=1"
        Include \(crsRules)/*.conf
        """

    private let engine: OpaquePointer

    init() throws(BenchmarkError) {
        var error: UnsafeMutablePointer<CChar>?
        guard let engine = msh_engine_create(Self.configuration, &error) else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            free(error)
            throw BenchmarkError("ModSecurity rejected its configuration: \(message)")
        }
        self.engine = engine
    }

    deinit { msh_engine_destroy(engine) }

    var version: String { String(cString: msh_engine_version(engine)) }

    /// The CRS release, read from the `ver:` action of its rules.
    static var crsVersion: String {
        let rules = try? String(contentsOfFile: "\(crsRules)/REQUEST-901-INITIALIZATION.conf", encoding: .utf8)
        guard let rules, let marker = rules.range(of: "ver:'OWASP_CRS/") else { return "CRS (unknown version)" }
        return "CRS " + rules[marker.upperBound...].prefix { $0.isNumber || $0 == "." }
    }

    /// Inspects one prepared request; returns the blocking HTTP status, or 0 when let through.
    func inspect(_ request: PreparedRequest) -> Int32 {
        request.withCRequest { msh_engine_inspect(engine, $0, nil) }
    }

    /// Like `inspect`, with ModSecurity's own message for a block, for the sanity check.
    func explain(_ request: PreparedRequest) -> (status: Int32, log: String?) {
        var log: UnsafeMutablePointer<CChar>?
        let status = request.withCRequest { msh_engine_inspect(engine, $0, &log) }
        defer { free(log) }
        return (status, log.map { String(cString: $0) })
    }
}

/// A request copied once into C memory, so the timed loop pays for ModSecurity only.
final class PreparedRequest {
    private let strings: UnsafeMutableBufferPointer<UInt8>
    private let headers: UnsafeMutableBufferPointer<msh_header>
    private var request: msh_request
    /// Bytes handed to ModSecurity: method, URI, header names and values, body.
    let byteCount: Int

    init(_ source: HTTPRequest) {
        // Layout: method NUL, uri NUL, each header name and value, body.
        let body = Array((source.body ?? "").utf8)
        let pieces = [Array(source.method.utf8) + [0], Array(source.uri.utf8) + [0]]
            + source.wireHeaders.flatMap { [Array($0.0.utf8), Array($0.1.utf8)] } + [body]
        strings = .allocate(capacity: max(1, pieces.reduce(0) { $0 + $1.count }))
        var starts: [UnsafePointer<UInt8>] = []
        var offset = 0
        for piece in pieces {
            _ = UnsafeMutableBufferPointer(rebasing: strings[offset..<offset + piece.count]).initialize(from: piece)
            starts.append(UnsafePointer(strings.baseAddress! + offset))
            offset += piece.count
        }
        headers = .allocate(capacity: max(1, source.wireHeaders.count))
        for (index, header) in source.wireHeaders.enumerated() {
            headers[index] = msh_header(
                name: starts[2 + 2 * index], name_length: header.0.utf8.count,
                value: starts[3 + 2 * index], value_length: header.1.utf8.count
            )
        }
        byteCount = offset
        request = msh_request(
            method: UnsafeRawPointer(starts[0]).assumingMemoryBound(to: CChar.self),
            uri: UnsafeRawPointer(starts[1]).assumingMemoryBound(to: CChar.self),
            headers: headers.baseAddress!, header_count: source.wireHeaders.count,
            body: starts[starts.count - 1], body_length: body.count
        )
    }

    deinit {
        strings.deallocate()
        headers.deallocate()
    }

    func withCRequest<Result>(_ body: (UnsafePointer<msh_request>) -> Result) -> Result {
        withUnsafePointer(to: &request, body)
    }
}
