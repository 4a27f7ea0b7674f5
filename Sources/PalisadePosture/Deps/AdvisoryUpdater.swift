import Foundation

/// Downloads OSV's per-ecosystem exports (`<source>/<ecosystem>/all.zip`) and writes the indexes
/// `palisade deps` reads.
public struct AdvisoryUpdater: Sendable {
    public static let defaultSource = URL(string: "https://osv-vulnerabilities.storage.googleapis.com")!

    public var source: URL
    public var directory: URL

    public init(source: URL = AdvisoryUpdater.defaultSource, directory: URL) {
        self.source = source
        self.directory = directory
    }

    /// Returns how many advisories each ecosystem's index holds.
    public func update(ecosystems: [Ecosystem] = Ecosystem.allCases) throws(PostureError) -> [Ecosystem: Int] {
        var database = AdvisoryDatabase()
        for ecosystem in ecosystems {
            let url = source.appendingPathComponent(ecosystem.rawValue).appendingPathComponent("all.zip")
            let archive = try download(url)
            try ZipReader.forEachEntry(in: archive, file: url.absoluteString) { (name, data) throws(PostureError) in
                guard name.hasSuffix(".json") else { return }
                try database.add(osv: data, file: "\(url.absoluteString)#\(name)")
            }
        }
        try database.save(to: directory)
        var counts: [Ecosystem: Int] = [:]
        for (ecosystem, index) in database.advisories {
            counts[ecosystem] = Set(index.values.flatMap { $0.map(\.id) }).count
        }
        return counts
    }

    private func download(_ url: URL) throws(PostureError) -> Data {
        let response = try HTTPClient.send(url: url)
        guard response.status == 200 else {
            throw PostureError(.network, file: url.absoluteString, "HTTP \(response.status)")
        }
        return response.body
    }
}
