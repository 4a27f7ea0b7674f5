import Foundation

/// AWS's own API descriptions, read from botocore's data directory (Apache-2.0, installed from PyPI):
/// the operations each service has and the prefix IAM uses for its actions.
public final class ServiceModels: @unchecked Sendable {
    public struct Model: Sendable {
        public var service: String
        public var actionPrefix: String
        /// Operation names (`PutItem`) by their spelling with case and underscores removed (`putitem`).
        public var operations: [String: String]

        /// The operation a Python (`put_item`) or JavaScript (`putItem`, `PutItemCommand`) name calls.
        public func operation(named name: String) -> String? {
            operations[ServiceModels.fold(name)]
        }
    }

    public let dataDirectory: URL
    private var cache: [String: Model?] = [:]
    private let lock = NSLock()

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    /// `$PALISADE_BOTOCORE_DATA`, else the `botocore/data` directory of the Python that `python3` runs.
    public static func locate() throws(PostureError) -> ServiceModels {
        if let path = ProcessInfo.processInfo.environment["PALISADE_BOTOCORE_DATA"] {
            return ServiceModels(dataDirectory: URL(fileURLWithPath: path))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PostureError(.serviceModel, "cannot run python3 to find botocore: \(error.localizedDescription)")
        }
        let path = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationStatus == 0, !path.isEmpty else {
            throw PostureError(.serviceModel, "botocore is not installed (pip install botocore) and PALISADE_BOTOCORE_DATA is not set")
        }
        return ServiceModels(dataDirectory: URL(fileURLWithPath: path))
    }

    public var serviceNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dataDirectory.path)) ?? []).sorted()
    }

    /// The newest API version of a service, or `nil` when botocore has no such service.
    public func model(_ service: String) throws(PostureError) -> Model? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[service] { return cached }
        let model = try load(service)
        cache[service] = model
        return model
    }

    private func load(_ service: String) throws(PostureError) -> Model? {
        let directory = dataDirectory.appendingPathComponent(service)
        guard let version = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter({ $0.first?.isNumber == true }).max() else {
            return nil
        }
        let base = directory.appendingPathComponent(version)
        let data: Data
        if let plain = try? Data(contentsOf: base.appendingPathComponent("service-2.json")) {
            data = plain
        } else if let packed = try? Data(contentsOf: base.appendingPathComponent("service-2.json.gz")) {
            data = try Inflater.inflate([UInt8](packed), format: .gzip, sizeHint: packed.count * 8, name: base.path + "/service-2.json.gz")
        } else {
            return nil
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let metadata = root["metadata"] as? [String: Any], let operations = root["operations"] as? [String: Any] else {
            throw PostureError(.serviceModel, file: base.path, "not a botocore service model")
        }
        let prefix = metadata["signingName"] as? String ?? metadata["endpointPrefix"] as? String ?? service
        var index: [String: String] = [:]
        for name in operations.keys { index[Self.fold(name)] = name }
        return Model(service: service, actionPrefix: prefix, operations: index)
    }

    /// Case and separators removed, so `put_item`, `putItem` and `PutItem` meet.
    static func fold(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "_" && $0 != "-" })
    }
}
