// Console benchmark: signed, gzip ingest of 100-event batches over loopback from N concurrent senders
// (events/s, p50/p99 batch latency), then the events query with 1,000,000 stored events (p99).
// Prints a table; one run, not a timed test. Usage (Benchmarks/console/run builds and runs it):
//   palisade-console-bench PALISADE_BINARY sqlite:PATH|postgres://… [SENDERS...]
import Foundation
import PalisadeConsoleClient
import PalisadeConsoleProtocol
import PalisadeStore
import PalisadeSystem

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: palisade-console-bench PALISADE_BINARY DATABASE [SENDERS...]\n".utf8))
    exit(2)
}
let binary = arguments[1]
let database = arguments[2]
/// `0` alone skips the ingest part (to measure queries on a database filled before).
let senderCounts = arguments.count > 3 ? arguments[3...].compactMap { Int($0) }.filter { $0 > 0 } : [1, 4, 16]
let storedEvents = Int(ProcessInfo.processInfo.environment["BENCH_STORED_EVENTS"] ?? "") ?? 1_000_000
let batchesPerSender = Int(ProcessInfo.processInfo.environment["BENCH_BATCHES"] ?? "") ?? 0

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func startServer() throws -> (Process, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["console", "serve", "--database", database, "--listen", "127.0.0.1:0"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    var text = ""
    while !text.contains("\n") {
        let data = pipe.fileHandleForReading.availableData
        guard !data.isEmpty else { throw BenchFailure("the console exited before listening") }
        text += String(decoding: data, as: UTF8.self)
    }
    guard let range = text.range(of: #"http://[0-9.]+:[0-9]+"#, options: .regularExpression) else { throw BenchFailure("no listening line: \(text)") }
    return (process, String(text[range]))
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

/// An event as the agent writes it: its id is a UUIDv7 of the event's time, as `SecurityEvent` makes it.
func eventLine(function: String, index: Int) -> [UInt8] {
    let timeMs = Int64(Date().timeIntervalSince1970 * 1000)
    let id = RandomID.uuidV7(millisecondsSinceEpoch: timeMs)
    let category = ["sqli", "xss", "cmdi", "traversal"][index % 4]
    return Array(#"{"id":"\#(id)","time":"\#(RFC3339.format(millisecondsSinceEpoch: timeMs))","kind":"attack","requestId":"req-\#(index)","function":"\#(function)","trigger":"api-gateway-rest","sourceIp":"203.0.113.\#(index % 250)","category":"\#(category)","rule":"\#(category).bench","message":"benchmark \#(category)","location":"queryStringParameters.q","evidence":"' OR 1=1 -- \#(index)","action":"\#(index % 3 == 0 ? "blocked" : "reported")"}"#.utf8)
}

// Credentials straight from the store, so a database filled by an earlier run can be reused.
let setupStore = try await StoreLocation(database).open()
let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
var benchGroup = try await setupStore.groups().first { $0.name == "bench" }
if benchGroup == nil {
    let created = GroupRecord(id: "bench", name: "bench", key: "pk_bench", secret: "ps_" + UUID().uuidString, createdMs: nowMs)
    try await setupStore.createGroup(created)
    benchGroup = created
}
let token = "pt_bench_" + UUID().uuidString
try await setupStore.createToken(TokenRecord(hash: Hex.encode(SHA256Digest.hash(Array(token.utf8))), name: "benchmark", groupId: nil, createdMs: nowMs))
await setupStore.close()
guard let benchGroup else { throw BenchFailure("no bench group") }
let groupId = benchGroup.id, key = benchGroup.key, secret = benchGroup.secret
let (server, url) = try startServer()
defer { server.terminate() }
let credentials = ConsoleCredentials(endpoint: try HTTPEndpoint(url: url), key: key, secret: secret)

print("Palisade console benchmark — database \(database.hasPrefix("sqlite:") ? "SQLite" : "PostgreSQL"), \(ProcessInfo.processInfo.activeProcessorCount) cores, loopback")
print("")
print("| senders | batches | events | seconds | events/s | p50 batch ms | p99 batch ms |")
print("|--------:|--------:|-------:|--------:|---------:|-------------:|-------------:|")
for senders in senderCounts {
    let batches = batchesPerSender > 0 ? batchesPerSender : max(20, 1000 / senders)
    // The batches are made, gzipped and signed before the clock starts: that is the agent's work, on
    // the agent's machine, and the client shares the console's two cores here. What is timed is the
    // console's: one HTTP connection per batch, as the agent sends it, until the commit is acknowledged.
    // Each batch is signed once (its own nonce), so none is retried: a failure stops the run.
    let requests = (0..<senders).map { sender in
        let batchSender = EventBatchSender(client: ConsoleClient(credentials: credentials), agent: AgentDescription(function: "bench-\(sender)", runtime: "python3.12"))
        return (0..<batches).map { batch -> (headers: [(String, String)], body: [UInt8]) in
            let lines = (0..<100).map { eventLine(function: "bench-\(sender)", index: batch * 100 + $0) }
            let body = Gzip.compress(batchSender.body(events: lines, counters: []))
            let signed = batchSender.client.signatureHeaders(method: "POST", path: credentials.endpoint.pathPrefix + EventBatchSender.ingestPath, body: body)
            return (signed + EventBatchSender.bodyHeaders, body)
        }
    }
    let clock = ContinuousClock()
    let started = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for sender in 0..<senders {
            group.addTask {
                var times: [Double] = []
                for request in requests[sender] {
                    let begin = clock.now
                    let reply = try await HTTPExchange.send(to: credentials.endpoint, method: "POST", path: EventBatchSender.ingestPath, headers: request.headers, body: request.body)
                    guard reply.status == 200, let receipt = try? BatchReceipt(reply: reply.body), receipt.accepted + receipt.duplicates == 100
                    else { throw BenchFailure("batch not fully filed: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))") }
                    times.append(milliseconds(clock.now - begin))
                }
                return times
            }
        }
        var all: [Double] = []
        for try await times in group { all += times }
        return all
    }
    let seconds = milliseconds(clock.now - started) / 1000
    let events = latencies.count * 100
    print(String(format: "| %7d | %7d | %6d | %7.2f | %8.0f | %12.1f | %12.1f |", senders, latencies.count, events, seconds, Double(events) / seconds, percentile(latencies, 0.5), percentile(latencies, 0.99)))
}

// Fill the store to the target size directly (the ingest path was measured above), then query over HTTP;
// BENCH_STORED_EVENTS=0 stops after the ingest part (a quick run).
guard storedEvents > 0 else {
    server.terminate()
    exit(0)
}
let store = try await StoreLocation(database).open()
let existing = try await store.stats(groupId: groupId, fromMs: 0, toMs: Int64.max / 2, bucketMs: Int64.max / 4).attacks
let fillStart = ContinuousClock.now
var stored = Int(existing)
let now = Int64(Date().timeIntervalSince1970 * 1000)
while stored < storedEvents {
    let count = min(1000, storedEvents - stored)
    let events = (0..<count).map { offset -> StoredEvent in
        let index = stored + offset
        let category = ["sqli", "xss", "cmdi", "traversal", "ssrf"][index % 5]
        return StoredEvent(
            id: RandomID.uuidV7(millisecondsSinceEpoch: now - Int64(index) * 50), timeMs: now - Int64(index) * 50, kind: "attack", requestId: "req-\(index)",
            function: "fill-\(index % 20)", trigger: "api-gateway-rest", sourceIp: "198.51.100.\(index % 250)", category: category,
            rule: "\(category).fill", message: "stored \(category)", location: "body.q", evidence: "payload \(index)", action: index % 4 == 0 ? "blocked" : "reported"
        )
    }
    _ = try await store.ingest(groupId: groupId, agent: AgentIdentity(function: "fill-0", region: nil, runtime: nil, layerVersion: nil), events: events, counts: [], receivedMs: now)
    stored += count
}
await store.close()
let fillSeconds = milliseconds(ContinuousClock.now - fillStart) / 1000
print("")
print("Events query with \(stored) stored events (filled in \(String(format: "%.0f", fillSeconds)) s), 200 requests each (20 for the rare text), over HTTP:")
print("")
print("| query | p50 ms | p99 ms |")
print("|-------|-------:|-------:|")
let endpoint = try HTTPEndpoint(url: url)
// A word in every fifth event, and a request id that only one event has (no text index: a full scan,
// seconds a request, so 20 requests there: its p99 is their maximum).
let queries: [(name: String, query: String, requests: Int)] = [
    ("newest 50", "", 200), ("category=xss", "&category=xss", 200), ("function=fill-7", "&function=fill-7", 200),
    ("action=blocked, page 2", "&action=blocked&cursor=\(now - 5_000_000)-999999999", 200),
    ("sourceIp + category", "&sourceIp=198.51.100.7&category=cmdi", 200),
    ("last hour", "&from=\(RFC3339.format(millisecondsSinceEpoch: now - 3_600_000))", 200),
    ("text, frequent (q=sqli)", "&q=sqli", 200), ("text, one match (q=req-123456)", "&q=req-123456", 20),
]
for (name, query, requests) in queries {
    var times: [Double] = []
    for _ in 0..<requests {
        let begin = ContinuousClock.now
        let reply = try await HTTPExchange.send(to: endpoint, method: "GET", path: "/api/v1/groups/\(groupId)/events?limit=50\(query)", headers: [("Authorization", "Bearer \(token)")])
        guard reply.status == 200 else { throw BenchFailure("query \(name) answered \(reply.status)") }
        times.append(milliseconds(ContinuousClock.now - begin))
    }
    print("| \(name) | " + String(format: "%6.1f | %6.1f |", percentile(times, 0.5), percentile(times, 0.99)))
}
