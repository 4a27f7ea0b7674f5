import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import PalisadeConsoleClient
import PalisadeConsoleProtocol
import PalisadeStore
import Synchronization
import Testing

@testable import PalisadeConsole

/// Events committed by ingest reach syslog listeners (UDP and TCP, CEF in RFC 5424) and a webhook.
struct SIEMTests {
    @Test func cefEscapesHeaderAndExtensionValues() {
        let event = StoredEvent(
            id: "e", timeMs: 0, kind: "attack", requestId: "r", function: "f", category: "cmdi", rule: "cmdi|pipe",
            message: "line\nbreak", location: "body", evidence: "a=b\\c\nd", action: "blocked"
        )
        let cef = SyslogMessage.cef(event)
        #expect(cef.hasPrefix(#"CEF:0|Palisade|Palisade|1|cmdi\|pipe|line break|8|"#))
        #expect(cef.contains(#"msg=a\=b\\c\nd"#))
        let line = SyslogMessage.rfc5424(event: event, hostname: "console-1")
        #expect(line.hasPrefix("<132>1 1970-01-01T00:00:00.000Z console-1 palisade - attack - CEF:0|"))
    }

    @Test func forwardsToUDPAndTCPSyslogAndWebhook() async throws {
        let received = Inbox()
        let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel) }
            }
        let tcp = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let webhookRouter = Router()
        webhookRouter.post("/hook") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.add("webhook", String(buffer: body))
            return HTTPResponse.Status.noContent
        }
        let webhook = Application(router: webhookRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await webhook.test(.live) { hook in
            let hookPort = try #require(hook.port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await udp.executeThenClose { inbound, _ in
                        for try await datagram in inbound { received.add("udp", String(buffer: datagram.data)) }
                    }
                }
                group.addTask {
                    try await tcp.executeThenClose { connections in
                        for try await connection in connections {
                            try await connection.executeThenClose { inbound, _ in
                                for try await chunk in inbound { received.add("tcp", String(buffer: chunk)) }
                            }
                        }
                    }
                }
                for transport in [SIEMDestinations.SyslogTransport.udp, .tcp] {
                    let port = transport == .udp ? udp.channel.localAddress!.port! : tcp.channel.localAddress!.port!
                    let destinations = SIEMDestinations(syslog: (transport, "127.0.0.1", port), webhook: try HTTPEndpoint(url: "http://127.0.0.1:\(hookPort)/hook"))
                    let (harness, app) = try await ConsoleHarness.make(siem: destinations)
                    try await app.test(.router) { client in
                        let body = batchBody(group: harness.groupA, events: [eventJSON(category: "cmdi", action: "blocked", evidence: "; cat /etc/passwd")])
                        let response = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: try harness.signed(harness.groupA, method: "POST", path: "/api/v1/ingest", body: body), body: ByteBuffer(bytes: body))
                        #expect(response.status == .ok)
                        let key = transport.rawValue
                        for _ in 0..<100 where received.messages(key).isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                        let lines = received.messages(key).joined()
                        #expect(lines.contains("CEF:0|Palisade|Palisade|1|cmdi.test|cmdi attack|8|"), "\(key): \(lines)")
                        #expect(lines.contains("msg=; cat /etc/passwd"))
                        if transport == .tcp { #expect(lines.range(of: #"^\d+ <132>1 "#, options: .regularExpression) != nil, "octet-counted framing") }
                    }
                }
                for _ in 0..<100 where received.messages("webhook").count < 2 { try await Task.sleep(for: .milliseconds(50)) }
                let posts = received.messages("webhook")
                #expect(posts.count == 2)
                #expect(posts.first?.contains(#""category":"cmdi""#) == true)
                group.cancelAll()
            }
        }
    }
}

/// What the loopback listeners received, by destination.
final class Inbox: Sendable {
    private let received = Mutex<[String: [String]]>([:])

    func add(_ destination: String, _ message: String) { received.withLock { $0[destination, default: []].append(message) } }
    func messages(_ destination: String) -> [String] { received.withLock { $0[destination] ?? [] } }
}
