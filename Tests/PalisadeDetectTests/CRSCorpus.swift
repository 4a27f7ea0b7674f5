import PalisadeDetect
import PalisadeJSON

/// The OWASP CRS regression corpus (a copy with its licence in Fixtures/crs), each record turned into
/// the API Gateway event a function behind API Gateway would receive for that request.
struct CRSCorpus {
    struct Record {
        let id: String
        let category: String
        let isAttack: Bool
        let paranoiaLevel: Int?
        let isTrulyBenign: Bool
        let event: [UInt8]
    }

    let records: [Record]

    static func load() throws -> CRSCorpus {
        let bytes = try Fixture.bytes("crs/crs-regression.jsonl")
        var records: [Record] = []
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            let root = try JSONDocument(bytes: Array(line)).root
            records.append(Record(
                id: root["id"]?.string ?? "",
                category: root["category"]?.string ?? "",
                isAttack: root["expect"]?.stringEquals("attack") == true,
                paranoiaLevel: root["paranoia_level_if_known"].flatMap { $0.kind == .number ? Int(String(decoding: $0.stringBytes, as: UTF8.self)) : nil },
                isTrulyBenign: root["expect"]?.stringEquals("benign") == true
                    && (root["benign_kind"]?.stringEquals("fp-regression") == true || root["benign_kind"]?.stringEquals("negative-test") == true)
                    && (root["attack_for_other_rules"].map { $0.kind == .null || $0.count == 0 } ?? true),
                event: apiGatewayEvent(root)
            ))
        }
        return CRSCorpus(records: records)
    }

    /// Every input value of every corpus record, in corpus order, for tests that check a shortcut
    /// against the plain way on real attack and benign text.
    static func inputValues() throws -> [String] {
        var values: [String] = []
        for line in try Fixture.bytes("crs/crs-regression.jsonl").split(separator: 0x0A) {
            let record = try JSONDocument(bytes: Array(line)).root
            for input in record["inputs"].map({ Array($0.elements) }) ?? [] {
                if let value = input["value"]?.string { values.append(value) }
            }
        }
        return values
    }

    /// API Gateway REST (v1) shape: multi-value query parameters, headers, body with its content type.
    static func apiGatewayEvent(_ record: JSONValue) -> [UInt8] {
        var query: [(String, [String])] = []
        for pair in record["query"].map({ Array($0.elements) }) ?? [] {
            let items = Array(pair.elements)
            guard items.count == 2, let name = items[0].string, let value = items[1].string else { continue }
            if let index = query.firstIndex(where: { $0.0 == name }) { query[index].1.append(value) } else { query.append((name, [value])) }
        }
        var headers: [(String, String)] = []
        for member in record["headers"].map({ Array($0.members) }) ?? [] {
            let (name, value) = (member.key, member.value)
            if let name = name.string, let value = value.string { headers.append((name, value)) }
        }
        let body = record["body"]?.string
        if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }), let type = record["content_type"]?.string {
            headers.append(("Content-Type", type))
        }
        var text = "{\"resource\":\"/{proxy+}\",\"path\":\(JSONEscapes.quoted(record["path"]?.string ?? "/"))"
        text += ",\"httpMethod\":\(JSONEscapes.quoted(record["method"]?.string ?? "GET"))"
        text += ",\"headers\":{" + headers.map { "\(JSONEscapes.quoted($0.0)):\(JSONEscapes.quoted($0.1))" }.joined(separator: ",") + "}"
        if query.isEmpty {
            text += ",\"multiValueQueryStringParameters\":null"
        } else {
            text += ",\"multiValueQueryStringParameters\":{" + query.map { name, values in
                "\(JSONEscapes.quoted(name)):[" + values.map(JSONEscapes.quoted).joined(separator: ",") + "]"
            }.joined(separator: ",") + "}"
        }
        text += ",\"requestContext\":{\"identity\":{\"sourceIp\":\"198.51.100.7\"}}"
        text += ",\"body\":" + (body.map(JSONEscapes.quoted) ?? "null") + ",\"isBase64Encoded\":false}"
        return Array(text.utf8)
    }

    struct Rates {
        var detected = 0
        var total = 0
        var share: Double { total == 0 ? 0 : Double(detected) / Double(total) }
        var text: String { total == 0 ? "—" : "\(detected)/\(total) (\(Self.percent(share)))" }

        static func percent(_ value: Double) -> String {
            let tenths = Int((value * 1000).rounded())
            return "\(tenths / 10).\(tenths % 10) %"
        }
    }

    struct Report {
        var pl1: [String: Rates] = [:]
        var all: [String: Rates] = [:]
        var benign = Rates()
        var missed: [String] = []
        var falsePositives: [String] = []

        var table: String {
            var lines = ["| category | attack PL1 detected | attack all PL detected |", "|---|---:|---:|"]
            for category in all.keys.sorted() {
                lines.append("| \(category) | \(pl1[category]?.text ?? "—") | \(all[category]?.text ?? "—") |")
            }
            lines.append("| truly benign flagged | \(benign.text) | |")
            return lines.joined(separator: "\n")
        }
    }

    func evaluate(_ detector: Detector) -> Report {
        var report = Report()
        for record in records {
            let findings = (try? detector.inspect(event: record.event).findings) ?? []
            let flagged = !findings.isEmpty
            if record.isAttack {
                report.all[record.category, default: Rates()].total += 1
                if flagged { report.all[record.category, default: Rates()].detected += 1 }
                if record.paranoiaLevel == 1 {
                    report.pl1[record.category, default: Rates()].total += 1
                    if flagged { report.pl1[record.category, default: Rates()].detected += 1 } else { report.missed.append(record.id) }
                }
            } else if record.isTrulyBenign {
                report.benign.total += 1
                if flagged {
                    report.benign.detected += 1
                    report.falsePositives.append(record.id + "→" + findings.map(\.rule).joined(separator: "+"))
                }
            }
        }
        return report
    }
}

