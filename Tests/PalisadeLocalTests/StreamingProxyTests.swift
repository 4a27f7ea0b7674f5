import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PalisadeHTTP
import PalisadeLocal
import PalisadeSystem
import Testing

/// Response streaming through the real agent: this test plays the runtime, part by part.
@Suite(.timeLimit(.minutes(3))) struct StreamingProxyTests {
    /// Runs the agent against an emulator and hands `body` the proxy's port.
    static func withAgent<T: Sendable>(_ body: (LambdaEmulator, Int) async throws -> T) async throws -> T {
        let emulator = try await LambdaEmulator.start(function: FunctionIdentity(name: "streamer", handler: "bootstrap"))
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-stream-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Fixtures.agent)
        agent.environment = Fixtures.credentials.merging([
            "AWS_LAMBDA_RUNTIME_API": emulator.address.description, "PALISADE_STATE_DIR": state, "PALISADE_MODE": "mitigate",
        ]) { $1 }
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        defer {
            agent.terminate()
            try? FileManager.default.removeItem(atPath: state)
        }
        #expect(await emulator.waitForExtensions(count: 1, timeout: .seconds(10)))
        let port = try #require(String(decoding: try Files.read(state + "/agent"), as: UTF8.self).split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let result = try await body(emulator, port)
        await emulator.shutdown()
        await emulator.close()
        return result
    }

    @Test func streamedResponsesKeepChunksTrailersAndLoseSecrets() async throws {
        try await Self.withAgent { emulator, port in

        let invocations = Task {
            (await emulator.invoke(Array(#"{"n": 1}"#.utf8)), await emulator.invoke(Array(#"{"n": 2}"#.utf8)))
        }
        let secret = try #require(Fixtures.credentials["AWS_SECRET_ACCESS_KEY"])
        let statuses = try await HTTPClientConnection.with(LoopbackAddress(host: "127.0.0.1", port: port)) { runtime in
            var statuses: [UInt] = []
            for chunks in [["hello ", "stream ", "key=\(secret)"], ["partial"]] {
                let next = try await runtime.send(HTTPRequest(method: .GET, uri: "/2018-06-01/runtime/invocation/next"))
                let id = try #require(next.head.headers["Lambda-Runtime-Aws-Request-Id"].first)
                var headers = HTTPHeaders()
                headers.add(name: "Lambda-Runtime-Function-Response-Mode", value: "streaming")
                headers.add(name: "Transfer-Encoding", value: "chunked")
                headers.add(name: "Trailer", value: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
                try await runtime.write(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/2018-06-01/runtime/invocation/\(id)/response", headers: headers)))
                for chunk in chunks { try await runtime.write(.body(.byteBuffer(ByteBuffer(string: chunk)))) }
                var trailers: HTTPHeaders?
                if chunks == ["partial"] {
                    trailers = ["Lambda-Runtime-Function-Error-Type": "Stream.Broken", "Lambda-Runtime-Function-Error-Body": Base64.encode(Array(#"{"errorMessage":"cut"}"#.utf8))]
                }
                try await runtime.write(.end(trailers))
                statuses.append(try await runtime.readResponse().head.status.code)
            }
            return statuses
        }
        let (streamed, failed) = await invocations.value
        #expect(statuses == [202, 202])
        #expect(streamed.streamed && failed.streamed)
        #expect(streamed.outcome == .response(Array(("hello stream key=" + String(repeating: "*", count: secret.utf8.count)).utf8)))
        #expect(failed.outcome == .error(type: "Stream.Broken", body: Array(#"{"errorMessage":"cut"}"#.utf8)))
        }
    }

    @Test func aStalledClientHoldsUpNobodyElse() async throws {
        try await Self.withAgent { emulator, port in
            // Half a request that never ends, on its own connection.
            let stalled = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            try await stalled.writeAndFlush(ByteBuffer(string: "POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"partial")).get()
            defer { stalled.close(promise: nil) }
            let invocation = Task { await emulator.invoke(Array(#"{"n": 1}"#.utf8)) }
            try await HTTPClientConnection.with(LoopbackAddress(host: "127.0.0.1", port: port)) { runtime in
                let next = try await runtime.send(HTTPRequest(method: .GET, uri: "/2018-06-01/runtime/invocation/next"))
                let id = try #require(next.head.headers["Lambda-Runtime-Aws-Request-Id"].first)
                _ = try await runtime.send(HTTPRequest(method: .POST, uri: "/2018-06-01/runtime/invocation/\(id)/response", body: Array("ok".utf8)))
            }
            #expect(await invocation.value.outcome == .response(Array("ok".utf8)))
        }
    }

    @Test func aRuntimeThatExpectsContinueIsToldToGoOn() async throws {
        try await Self.withAgent { emulator, port in
            let invocation = Task { await emulator.invoke(Array(#"{"n": 1}"#.utf8)) }
            let runtime = WireReader(try WireSocket.connect(to: LoopbackAddress(host: "127.0.0.1", port: port)))
            try runtime.socket.write(Array("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n".utf8)[...])
            let next = try #require(try runtime.readHead())
            _ = try runtime.readBody(try next.responseFraming, limit: 1 << 20)
            let id = try #require(next.string("Lambda-Runtime-Aws-Request-Id"))
            // As curl does for large bodies: the head, then the body only once told to continue.
            try runtime.socket.write(Array("POST /2018-06-01/runtime/invocation/\(id)/response HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8)[...])
            #expect(try runtime.readHead()?.status == 100)
            try runtime.socket.write(Array("ok".utf8)[...])
            #expect(try runtime.readHead()?.status == 202)
            #expect(await invocation.value.outcome == .response(Array("ok".utf8)))
        }
    }
}
