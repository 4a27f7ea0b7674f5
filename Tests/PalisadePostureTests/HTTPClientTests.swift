import Foundation
import Testing
@testable import PalisadePosture

/// The libcurl-backed client against a Python echo server on loopback.
@Suite struct HTTPClientTests {
    /// Answers every request with its method, path, headers and body as JSON, status 201 and an
    /// `X-Echo` header; `/moved` redirects to `/landed`.
    static let echo = """
    import http.server, json, sys
    class Echo(http.server.BaseHTTPRequestHandler):
        def answer(self):
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/landed")
                self.send_header("X-Only-On-Redirect", "yes")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            reply = json.dumps({"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                "length": len(body), "body": body[:64].decode("latin-1")}).encode()
            self.send_response(201)
            self.send_header("X-Echo", "  spaced value ")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        do_GET = do_POST = do_PUT = do_DELETE = answer
        def log_message(self, *args): pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Echo)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """

    static func withEcho(_ body: (URL) throws -> Void) throws {
        let service = try PythonService(["-c", echo])
        defer { service.stop() }
        try body(URL(string: "http://127.0.0.1:\(try #require(Int(service.firstLine), "echo server: \(service.firstLine)"))")!)
    }

    static func decode(_ response: HTTPClient.Response) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    @Test func postSendsHeadersAndBody() throws {
        try Self.withEcho { server in
            let response = try HTTPClient.send(method: "POST", url: server.appendingPathComponent("submit"),
                                               headers: ["x-amz-target": "Logs.Describe", "content-type": "application/json"], body: Data(#"{"a":1}"#.utf8))
            #expect(response.status == 201)
            #expect(response.headers["x-echo"] == "spaced value")
            let echoed = try Self.decode(response)
            #expect(echoed["method"] as? String == "POST")
            #expect(echoed["path"] as? String == "/submit")
            #expect(echoed["body"] as? String == #"{"a":1}"#)
            let headers = try #require(echoed["headers"] as? [String: String])
            #expect(headers["x-amz-target"] == "Logs.Describe")
            #expect(headers["content-type"] == "application/json")
            #expect(headers["expect"] == nil)
        }
    }

    @Test func getFollowsRedirectsAndKeepsTheLastHeaders() throws {
        try Self.withEcho { server in
            let response = try HTTPClient.send(url: server.appendingPathComponent("moved"))
            #expect(response.status == 201)
            #expect(response.headers["x-only-on-redirect"] == nil)
            let echoed = try Self.decode(response)
            #expect(echoed["method"] as? String == "GET")
            #expect(echoed["path"] as? String == "/landed")
            #expect(echoed["length"] as? Int == 0)
        }
    }

    @Test func largeBodiesAndOtherMethods() throws {
        try Self.withEcho { server in
            let payload = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
            let put = try Self.decode(try HTTPClient.send(method: "PUT", url: server.appendingPathComponent("blob"), body: payload))
            #expect(put["method"] as? String == "PUT")
            #expect(put["length"] as? Int == payload.count)
            let delete = try Self.decode(try HTTPClient.send(method: "DELETE", url: server.appendingPathComponent("blob")))
            #expect(delete["method"] as? String == "DELETE")
        }
    }

    @Test func refusedConnectionIsANetworkError() throws {
        // A port that was just free: bind, note it, close.
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let port = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                _ = bind(socket, raw, length)
                _ = getsockname(socket, raw, &length)
            }
            return UInt16(bigEndian: pointer.pointee.sin_port)
        }
        close(socket)
        let error = try #require(throws: PostureError.self) { try HTTPClient.send(url: URL(string: "http://127.0.0.1:\(port)/")!) }
        #expect(error.code == .network)
        #expect(error.description.contains("127.0.0.1"))
    }
}
