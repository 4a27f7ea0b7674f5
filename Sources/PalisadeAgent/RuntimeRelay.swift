import PalisadeHTTP

/// One runtime connection and its own upstream connection, relayed on one thread with blocking
/// calls and on bytes: heads pass on as they came (unless the agent changes the body), an event is
/// read, inspected and handed over by the thread that read it, and a request or answer costs one
/// `read` and one `write`. A slow or broken runtime holds up only its own thread.
final class RuntimeRelay {
    let proxy: RuntimeProxy
    let runtime: WireReader
    let upstream: WireReader

    init(proxy: RuntimeProxy, runtime: WireSocket, upstream: WireSocket) {
        self.proxy = proxy
        self.runtime = WireReader(runtime)
        self.upstream = WireReader(upstream)
    }

    /// Serves one runtime connection until either side closes it.
    static func serve(_ socket: WireSocket, proxy: RuntimeProxy) {
        let upstream: WireSocket
        do {
            upstream = try WireSocket.connect(to: proxy.upstream)
        } catch {
            proxy.reporter.log("error", "runtime API unreachable at \(proxy.upstream): \(error)")
            return
        }
        do {
            try RuntimeRelay(proxy: proxy, runtime: socket, upstream: upstream).run()
        } catch where error.code == .malformed || error.code == .bodyTooLarge {
            proxy.reporter.log("warn", "runtime connection closed: \(error)")
        } catch {
            // A side closed the connection: the other one is closed with it.
        }
        upstream.close()
        socket.close()
    }

    func run() throws(HTTPExchangeError) {
        while let head = try runtime.readHead() {
            switch RuntimeProxy.Route(head) {
            case .next:
                try handOverEvent(for: head)
            case .response(let requestID):
                // The body is read here before anything goes upstream: the runtime may send it now.
                if head.expectsContinue { try runtime.socket.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)[...]) }
                let framing = try head.requestFraming
                let body = try runtime.readBody(framing, limit: RuntimeProxy.maxBufferedBody)
                switch proxy.guardedResponse(body, requestID: requestID) {
                case .pass where framing == .length(body.count):
                    try upstream.socket.write(head.bytes[...], body[...])
                case .pass:
                    try upstream.socket.write(head.rewritten(contentLength: body.count)[...], body[...])
                case .replace(let replacement):
                    try upstream.socket.write(head.rewritten(contentLength: replacement.count)[...], replacement[...])
                case .fail(let type, let errorBody):
                    let target = RuntimeProxy.runtimePrefix + requestID + "/error"
                    try upstream.socket.write(head.rewritten(target: target, contentLength: errorBody.count, setting: [("Lambda-Runtime-Function-Error-Type", type)])[...], errorBody[...])
                }
                try relayAnswer()
            case .streamedResponse(let requestID):
                let facts = proxy.finish(requestID)
                var leakReported = false
                let proxy = proxy
                try runtime.relayBody(try head.requestFraming, to: upstream.socket, leading: head.bytes[...], guardData: facts.map { facts in
                    { bytes in proxy.guardChunk(&bytes, facts: facts, alreadyReported: &leakReported) }
                })
                try relayAnswer()
            case .error(let requestID):
                _ = proxy.finish(requestID)
                try runtime.relayBody(try head.requestFraming, to: upstream.socket, leading: head.bytes[...])
                try relayAnswer()
            case .other:
                try runtime.relayBody(try head.requestFraming, to: upstream.socket, leading: head.bytes[...])
                try relayAnswer()
            }
        }
    }

    /// Asks upstream for the next event with the runtime's own request, and hands it over once
    /// inspected; an event the agent answers itself is posted, and the next one asked for.
    func handOverEvent(for next: WireHead) throws(HTTPExchangeError) {
        let framing = try next.requestFraming
        _ = try runtime.readBody(framing, limit: 1 << 20)
        let request = framing == .none ? next.bytes : next.rewritten(contentLength: 0)
        while true {
            try upstream.socket.write(request[...])
            try waitForUpstream()
            guard let answer = try upstream.readHead() else { throw HTTPExchangeError(.connectionClosed, "runtime API closed the connection") }
            let answerFraming = try answer.responseFraming
            guard answer.status == 200, let requestID = answer.string("Lambda-Runtime-Aws-Request-Id") else {
                try upstream.relayBody(answerFraming, to: runtime.socket, leading: answer.bytes[...])
                return
            }
            let event = try upstream.readBody(answerFraming, limit: RuntimeProxy.maxBufferedBody)
            switch proxy.judge(event, requestID: requestID) {
            case .hand(nil) where answerFraming == .length(event.count):
                return try runtime.socket.write(answer.bytes[...], event[...])
            case .hand(let replacement):
                let body = replacement ?? event
                return try runtime.socket.write(answer.rewritten(contentLength: body.count)[...], body[...])
            case .post(let target, let errorType, let body):
                var head = "POST \(target) HTTP/1.1\r\nHost: \(proxy.upstream)\r\nContent-Type: application/json\r\n"
                if let errorType { head += "Lambda-Runtime-Function-Error-Type: \(errorType)\r\n" }
                head += "Content-Length: \(body.count)\r\n\r\n"
                try upstream.socket.write(Array(head.utf8)[...], body[...])
                guard let acknowledgement = try upstream.readHead() else { throw HTTPExchangeError(.connectionClosed, "runtime API closed the connection") }
                _ = try upstream.readBody(try acknowledgement.responseFraming, limit: 1 << 20)
            }
        }
    }

    /// Waits for the long-polled event while watching the runtime too: a runtime that goes away
    /// meanwhile closes the upstream connection, so the API hands the event to nobody who is gone.
    func waitForUpstream() throws(HTTPExchangeError) {
        while upstream.buffered == 0 {
            let ready = WireSocket.waitReadable([upstream.socket, runtime.socket])
            if ready[0] { return }
            if ready[1] {
                guard try runtime.fill() else { throw HTTPExchangeError(.connectionClosed, "runtime closed the connection") }
                return
            }
        }
    }

    /// Passes upstream's answer (after any interim 1xx answers) to the runtime as it came.
    func relayAnswer() throws(HTTPExchangeError) {
        while true {
            guard let answer = try upstream.readHead() else { throw HTTPExchangeError(.connectionClosed, "runtime API closed the connection") }
            let framing = try answer.responseFraming
            try upstream.relayBody(framing, to: runtime.socket, leading: answer.bytes[...])
            if framing == .untilClose { throw HTTPExchangeError(.connectionClosed, "runtime API ended the answer by closing") }
            if !(100..<200).contains(answer.status) { return }
        }
    }
}
