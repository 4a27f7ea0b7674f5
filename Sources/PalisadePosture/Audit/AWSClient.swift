import Foundation

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
        let signingRegion = service == "iam" ? "us-east-1" : region
        let signer = SigV4Signer(credentials: credentials, region: signingRegion, service: service)
        let signed = headers.merging(signer.headers(method: method, url: url, headers: headers, body: body, date: Date()), uniquingKeysWith: { $1 })
        let response = try HTTPClient.send(method: method, url: url, headers: signed, body: method == "GET" ? Data() : body)
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
