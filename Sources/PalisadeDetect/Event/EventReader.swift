import PalisadeJSON

struct InputView {
    var location: String
    var value: [UInt8]
    var record: Int?
    var isKey: Bool
    func materialized() -> Input { Input(location: location, value: value, record: record, isKey: isKey) }
}

struct EventReader {
    let document: JSONDocument
    let options: DetectorOptions
    var trigger: Trigger { .direct }
    init(document: JSONDocument, options: DetectorOptions) {
        self.document = document
        self.options = options
    }
    func forEachInput(_ body: (InputView) -> Void) {}
}

struct DetectionEngine: Sendable {
    let options: DetectorOptions
    func inspect(_ document: JSONDocument) -> Verdict { Verdict(trigger: .direct) }
}
