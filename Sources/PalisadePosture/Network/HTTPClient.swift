import CCurl
import Foundation

/// A blocking HTTP client for the command-line tools (`deps update`, `audit`), which run one request
/// at a time from synchronous commands. It goes through libcurl loaded on first use (CCurl), not
/// URLSession: FoundationNetworking would link libcurl and a dozen libraries into every command, and
/// `palisade scan` would map them all without sending a byte.
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        /// Header names lowercased; a repeated header keeps its last value.
        public var headers: [String: String]
        public var body: Data
    }

    /// What libcurl's callbacks fill in while the request runs.
    private final class Collector {
        var headers: [String: String] = [:]
        var body = Data()

        /// A header line `Name: value`; the status line and the blank line have no colon. A redirect's
        /// headers are dropped when the next response's status line arrives.
        func header(_ line: UnsafeRawBufferPointer) {
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else {
                if text.hasPrefix("HTTP/") { headers = [:] }
                return
            }
            let name = text[..<colon].lowercased()
            headers[name] = text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    public static func send(method: String = "GET", url: URL, headers: [String: String] = [:], body: Data = Data()) throws(PostureError) -> Response {
        let collector = Collector()
        let lines = headers.map { "\($0.key): \($0.value)" }
        var status = 0
        let capacity = 512
        var error = [CChar](repeating: 0, count: capacity)
        let sink: palisade_http_sink = { data, length, isHeader, context in
            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: length)
            if isHeader != 0 { collector.header(bytes) } else { collector.body.append(contentsOf: bytes) }
            return length
        }
        let result = withExtendedLifetime(collector) {
            let context = Unmanaged.passUnretained(collector).toOpaque()
            return withCStrings(lines) { headerPointers in
                body.withUnsafeBytes { bodyBytes in
                    palisade_http_perform(method, url.absoluteString, headerPointers, lines.count, bodyBytes.baseAddress, bodyBytes.count,
                                          &status, sink, context, &error, capacity)
                }
            }
        }
        guard result == 0 else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PostureError(.network, file: url.absoluteString, "request failed: \(reason)")
        }
        return Response(status: status, headers: collector.headers, body: collector.body)
    }

    /// Calls `body` with a C array of the strings, valid for the call only.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies.map { UnsafePointer($0) })
    }
}
