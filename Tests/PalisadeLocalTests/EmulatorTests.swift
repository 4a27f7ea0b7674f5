import NIOHTTP1
import PalisadeHTTP
import PalisadeJSON
import PalisadeLocal
import Testing

/// The emulator as Lambda: extensions register and get INVOKE and SHUTDOWN; runtimes get events with
/// their headers and answer them; unknown routes and ids are clear errors.
@Suite(.timeLimit(.minutes(3))) struct EmulatorTests {
    @Test func extensionAndRuntimeSeeOneInvocationEach() async throws {
        let emulator = try await LambdaEmulator.start(function: FunctionIdentity(name: "f", handler: "app.handler"))
        try await HTTPClientConnection.with(emulator.address) { extensionAPI in
            var headers = HTTPHeaders()
            headers.add(name: "Lambda-Extension-Name", value: "probe")
            let registered = try await extensionAPI.send(HTTPRequest(method: .POST, uri: "/2020-01-01/extension/register", headers: headers, body: Array(#"{"events":["INVOKE","SHUTDOWN"]}"#.utf8)))
            let id = try #require(registered.head.headers["Lambda-Extension-Identifier"].first)
            #expect(try JSONDocument(bytes: registered.body).root["functionName"]?.string == "f")

            let invocation = Task { await emulator.invoke(Array(#"{"x":1}"#.utf8), context: InvocationContext(clientContext: #"{"custom":{}}"#)) }
            var eventHeaders = HTTPHeaders()
            eventHeaders.add(name: "Lambda-Extension-Identifier", value: id)
            let invokeEvent = try JSONDocument(bytes: try await extensionAPI.send(HTTPRequest(method: .GET, uri: "/2020-01-01/extension/event/next", headers: eventHeaders)).body).root
            #expect(invokeEvent["eventType"]?.string == "INVOKE")

            try await HTTPClientConnection.with(emulator.address) { runtime in
                let next = try await runtime.send(HTTPRequest(method: .GET, uri: "/2018-06-01/runtime/invocation/next"))
                #expect(next.head.headers["Lambda-Runtime-Aws-Request-Id"].first == invokeEvent["requestId"]?.string)
                #expect(next.head.headers["Lambda-Runtime-Invoked-Function-Arn"].first == "arn:aws:lambda:us-east-1:000000000000:function:f")
                #expect(next.head.headers["Lambda-Runtime-Client-Context"].first == #"{"custom":{}}"#)
                #expect(next.body == Array(#"{"x":1}"#.utf8))
                let requestID = next.head.headers["Lambda-Runtime-Aws-Request-Id"].first ?? ""
                let accepted = try await runtime.send(HTTPRequest(method: .POST, uri: "/2018-06-01/runtime/invocation/\(requestID)/response", body: Array("42".utf8)))
                #expect(accepted.head.status == .accepted)
                let again = try await runtime.send(HTTPRequest(method: .POST, uri: "/2018-06-01/runtime/invocation/\(requestID)/response", body: Array("43".utf8)))
                #expect(again.head.status == .badRequest, "an invocation is answered once")
                let unknown = try await runtime.send(HTTPRequest(method: .GET, uri: "/2018-06-01/runtime/nowhere"))
                #expect(unknown.head.status == .notFound)
            }
            #expect(await invocation.value.outcome == .response(Array("42".utf8)))

            await emulator.shutdown()
            let shutdown = try JSONDocument(bytes: try await extensionAPI.send(HTTPRequest(method: .GET, uri: "/2020-01-01/extension/event/next", headers: eventHeaders)).body).root
            #expect(shutdown["eventType"]?.string == "SHUTDOWN")
        }
        await emulator.close()
    }

    @Test func initErrorFailsEveryInvocation() async throws {
        let emulator = try await LambdaEmulator.start(function: FunctionIdentity(name: "f", handler: "app.handler"))
        try await HTTPClientConnection.with(emulator.address) { runtime in
            var headers = HTTPHeaders()
            headers.add(name: "Lambda-Runtime-Function-Error-Type", value: "Runtime.ImportModuleError")
            _ = try await runtime.send(HTTPRequest(method: .POST, uri: "/2018-06-01/runtime/init/error", headers: headers, body: Array(#"{"errorMessage":"no module"}"#.utf8)))
        }
        let result = await emulator.invoke(Array("{}".utf8))
        #expect(result.outcome == .error(type: "Runtime.ImportModuleError", body: Array(#"{"errorMessage":"no module"}"#.utf8)))
        await emulator.close()
    }
}
