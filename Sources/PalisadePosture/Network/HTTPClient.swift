import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A blocking HTTP client for the command-line tools (`deps update`, `audit`), which run one request
/// at a time from synchronous commands.
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
    }

    /// Carries the callback's answer back to the waiting thread; written once before the signal.
    private final class Outcome: @unchecked Sendable {
        var response: Response?
        var error: (any Error)?
    }

    public static func send(_ request: URLRequest) throws(PostureError) -> Response {
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                outcome.response = Response(status: http.statusCode, headers: headers, body: data ?? Data())
            }
            outcome.error = error
            done.signal()
        }
        task.resume()
        done.wait()
        guard let response = outcome.response else {
            let reason = outcome.error.map { $0.localizedDescription } ?? "no response"
            throw PostureError(.network, file: request.url?.absoluteString, "request failed: \(reason)")
        }
        return response
    }
}
