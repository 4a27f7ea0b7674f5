import PalisadeAgent
import PalisadeDetect
import PalisadePolicy
import PalisadeSystem
import Testing

@Suite struct SecurityEventIDTests {
    private func event(timeMs: Int64) -> SecurityEvent {
        SecurityEvent(
            timeMs: timeMs, requestID: "req-1", function: "orders", trigger: .apiGatewayV1, sourceIP: "203.0.113.9",
            protection: .attack(.sqli), rule: "sqli.tautology", message: "SQL injection", location: "queryStringParameters.q",
            evidence: "' OR 1=1", record: nil, action: .reported, incident: "0123456789abcdef"
        )
    }

    /// The console's unique index on event ids grows at its end only when ids sort by time.
    @Test func idsAreVersion7UUIDsThatSortByTheEventsTime() {
        let earlier = event(timeMs: 1_795_000_000_000)
        let later = event(timeMs: 1_795_000_000_001)
        let parts = earlier.id.split(separator: "-").map(String.init)
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[0] + parts[1] == "01a1ee565e00", "48 bits of milliseconds first (1,795,000,000,000 in hex)")
        #expect(parts[2].first == "7", "version 7")
        #expect(["8", "9", "a", "b"].contains(parts[3].first), "RFC 9562 variant")
        #expect(earlier.id < later.id)
        #expect(event(timeMs: 1_795_000_000_000).id != earlier.id, "74 random bits tell events of one millisecond apart")
    }

    @Test func anIdGivenByTheCallerIsKept() {
        var copy = event(timeMs: 1)
        let id = copy.id
        copy.message = "changed"
        #expect(copy.id == id)
        #expect(SecurityEvent(
            timeMs: 1, requestID: "r", function: "f", trigger: .sqs, sourceIP: nil, protection: .attack(.xss), rule: "x", message: "m",
            location: "l", evidence: "e", record: 0, action: .blocked, incident: "i", id: "fixed-id"
        ).id == "fixed-id")
    }
}
