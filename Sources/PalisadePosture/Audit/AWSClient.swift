import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Signed requests to the AWS APIs `audit` reads: the REST APIs of Lambda, API Gateway and S3, IAM's
/// query API and the JSON APIs of CloudWatch Logs and CloudTrail.
public struct AWSClient: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    /// One endpoint for every service (moto, LocalStack); `nil` means AWS's own endpoints.
    public var endpoint: URL?

    public init(credentials: AWSCredentials, region: String, endpoint: URL?) {
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
    }

    func baseURL(_ service: String) -> URL {
        if let endpoint { return endpoint }
        if service == "iam" { return URL(string: "https://iam.amazonaws.com")! }
        return URL(string: "https://\(service).\(region).amazonaws.com")!
    }

    /// Sends a signed request; 404 answers `nil` so callers can treat "not configured" as absent.
    func send(service: String, method: String = "GET", path: String, query: [URLQueryItem] = [], headers: [String: String] = [:],
              body: Data = Data()) throws(PostureError) -> Data? {
        var components = URLComponents(url: baseURL(service), resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { SigV4Signer.encode(String($0)) }.joined(separator: "/")
        if !query.isEmpty { components.percentEncodedQueryItems = query.map { URLQueryItem(name: SigV4Signer.encode($0.name), value: SigV4Signer.encode($0.value ?? "")) } }
        guard let url = components.url else { throw PostureError(.awsRequest, "cannot build a URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = method == "GET" ? nil : body
        let signingRegion = service == "iam" ? "us-east-1" : region
        let signer = SigV4Signer(credentials: credentials, region: signingRegion, service: service)
        for (name, value) in headers.merging(signer.headers(method: method, url: url, headers: headers, body: body, date: Date()), uniquingKeysWith: { $1 }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        let response = try HTTPClient.send(request)
        if response.status == 404 { return nil }
        guard (200..<300).contains(response.status) else {
            let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
            throw PostureError(.awsRequest, file: url.absoluteString, "\(service) answered HTTP \(response.status): \(detail)")
        }
        return response.body
    }

    func json(service: String, method: String = "GET", path: String, query: [URLQueryItem] = []) throws(PostureError) -> [String: Any]? {
        guard let data = try send(service: service, method: method, path: path, query: query) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// S3's REST API: an XML answer, with the elements named `record` grouped; `nil` when S3 answers 404.
    func s3(path: String, query: [URLQueryItem] = [], record: String? = nil) throws(PostureError) -> XMLValues? {
        try send(service: "s3", path: path, query: query).map { XMLValues($0, record: record) }
    }

    /// The `X-Amz-Target` JSON protocol (CloudWatch Logs, CloudTrail).
    func target(service: String, target: String, _ payload: [String: Any]) throws(PostureError) -> [String: Any] {
        let body = (try? JSONSerialization.data(withJSONObject: payload)) ?? Data("{}".utf8)
        let data = try send(service: service, method: "POST", path: "/", headers: ["content-type": "application/x-amz-json-1.1", "x-amz-target": target], body: body)
        return data.flatMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] } ?? [:]
    }

    /// IAM's query protocol: form-encoded `Action=…` and an XML answer, read as element texts.
    func iam(_ action: String, _ parameters: [String: String]) throws(PostureError) -> XMLValues {
        var form = ["Action": action, "Version": "2010-05-08"].merging(parameters) { $1 }
            .map { "\(SigV4Signer.encode($0.key))=\(SigV4Signer.encode($0.value))" }
        form.sort()
        let data = try send(service: "iam", method: "POST", path: "/", headers: ["content-type": "application/x-www-form-urlencoded; charset=utf-8"],
                            body: Data(form.joined(separator: "&").utf8))
        return XMLValues(data ?? Data())
    }
}

/// The text of every element of an XML document, by element name, in document order; and, for
/// repeated elements such as S3's `Grant`, the texts inside each occurrence kept together.
struct XMLValues {
    private(set) var values: [String: [String]] = [:]
    /// One entry per `record` element: the texts of the elements inside it, by name.
    private(set) var records: [[String: String]] = []

    init(_ data: Data, record: String? = nil) {
        let collector = Collector(record: record)
        let parser = XMLParser(data: data)
        parser.delegate = collector
        _ = parser.parse()
        values = collector.values
        records = collector.records
    }

    subscript(name: String) -> [String] { values[name] ?? [] }

    private final class Collector: NSObject, XMLParserDelegate {
        let record: String?
        var values: [String: [String]] = [:]
        var records: [[String: String]] = []
        var current: [String: String]?
        var text = ""

        init(record: String?) {
            self.record = record
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if elementName == record { current = [:] }
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            values[elementName, default: []].append(value)
            if elementName == record, let finished = current {
                records.append(finished)
                current = nil
            } else {
                current?[elementName] = value
            }
            text = ""
        }
    }
}
