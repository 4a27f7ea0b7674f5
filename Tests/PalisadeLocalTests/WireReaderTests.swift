import Foundation
import PalisadeHTTP
import Testing

/// The runtime proxy's HTTP/1.1 reading on bytes: heads and bodies however the bytes are split
/// across reads, chunked bodies passed on byte for byte, and heads rewritten with every other header.
@Suite struct WireReaderTests {
    /// Two connected sockets (a socket pair: the reader does not care what carries the bytes).
    static func pair() throws -> (WireSocket, WireSocket) {
        var descriptors: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
        return (WireSocket(descriptor: descriptors[0]), WireSocket(descriptor: descriptors[1]))
    }

    static let stream = Array((
        "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-LENGTH: 5\r\nX-Two:  spaced value \t\r\n\r\nhello"
        + "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\nTrailer: X-End\r\n\r\n"
        + "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-End: yes\r\n\r\n"
        + "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    ).utf8)

    /// Small buffers make heads, lines and chunks cross refills at every offset.
    @Test(arguments: [16, 17, 23, 64, 4096])
    func messagesReadTheSameHoweverTheBytesAreSplit(capacity: Int) throws {
        let (writer, readerSocket) = try Self.pair()
        try writer.write(Self.stream[...])
        writer.shutdown()
        let reader = WireReader(readerSocket, capacity: capacity)

        let first = try #require(try reader.readHead())
        #expect(String(decoding: first.method, as: UTF8.self) == "POST")
        #expect(first.targetString == "/2018-06-01/runtime/invocation/abc/response")
        #expect(first.string("x-two") == "spaced value")
        #expect(try first.requestFraming == .length(5))
        #expect(try reader.readBody(first.requestFraming, limit: 100) == Array("hello".utf8))

        let second = try #require(try reader.readHead())
        #expect(try second.requestFraming == .chunked)
        #expect(try reader.readBody(second.requestFraming, limit: 100) == Array("abc0123456789abcdef".utf8))

        let third = try #require(try reader.readHead())
        #expect(third.targetString == "/2018-06-01/runtime/invocation/next")
        #expect(try third.requestFraming == .none)
        #expect(try reader.readHead() == nil)
    }

    @Test func chunkedBodiesPassOnByteForByteWithTheirDataGuarded() throws {
        let (writer, readerSocket) = try Self.pair()
        let (output, outputEnd) = try Self.pair()
        let body = Array("5\r\nhe-se\r\n6;x=y\r\ncret!!\r\n0\r\nX-Error: none\r\nX-More: 1\r\n\r\n".utf8)
        try writer.write(body[...])
        let reader = WireReader(readerSocket, capacity: 8)
        try reader.relayBody(.chunked, to: output, leading: Array("HEAD\r\n".utf8)[...]) { data in
            data = data.map { $0 == UInt8(ascii: "e") ? UInt8(ascii: "*") : $0 }
        }
        output.shutdown()
        let received = WireReader(outputEnd)
        while try received.fill() {}
        let expected = "HEAD\r\n" + "5\r\nh*-s*\r\n6;x=y\r\ncr*t!!\r\n0\r\nX-Error: none\r\nX-More: 1\r\n\r\n"
        #expect(received.buffered == expected.utf8.count)
        #expect(try received.readBody(.length(received.buffered), limit: 1 << 10) == Array(expected.utf8))
    }

    @Test func rewrittenHeadsKeepEveryOtherHeader() throws {
        let head = try WireHead(bytes: Array("POST /a/response HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Trace-Id: t=1\r\nlambda-runtime-function-error-type: Old\r\n\r\n".utf8))
        let rewritten = head.rewritten(target: "/a/error", contentLength: 12, setting: [("Lambda-Runtime-Function-Error-Type", "New")])
        #expect(String(decoding: rewritten, as: UTF8.self)
            == "POST /a/error HTTP/1.1\r\nHost: h\r\nLambda-Runtime-Trace-Id: t=1\r\nLambda-Runtime-Function-Error-Type: New\r\nContent-Length: 12\r\n\r\n")
    }

    @Test func malformedFramingIsAnErrorWithItsCode() throws {
        let head = try WireHead(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n".utf8))
        #expect(throws: HTTPExchangeError.self) { try head.responseFraming }
        #expect(throws: HTTPExchangeError.self) { try WireHead(bytes: Array("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n".utf8)) }
        let (writer, readerSocket) = try Self.pair()
        try writer.write(Array("zz\r\n".utf8)[...])
        writer.shutdown()
        do {
            _ = try WireReader(readerSocket).readBody(.chunked, limit: 10)
            Issue.record("a chunk size that is not hexadecimal was accepted")
        } catch {
            #expect(error.code == .malformed)
        }
    }
}
