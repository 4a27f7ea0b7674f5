@testable import PalisadeDetect
import Testing

/// `OwnDetectors.scan` calls a detector only when the input's bytes pass its `ByteGate`; on every
/// input of the CRS corpus, in its own case and in capitals, it must find exactly what calling every
/// detector finds, and the gates must keep most inputs away from most detectors.
@Suite struct OwnDetectorGateTests {
    @Test func gatedDetectorsFindWhatEveryDetectorFindsOnTheCorpus() throws {
        let corpus = try CRSCorpus.load()
        let detector = Detector(options: DetectorOptions())
        let detectors = OwnDetectors(categories: Set(AttackCategory.allCases))
        let gates = AttackCategory.allCases.map(OwnDetectors.gate(of:))
        var scratch = DetectorScratch()
        var inputs = 0, skipped = 0, found = 0
        for record in corpus.records {
            for view in try detector.inputs(of: record.event).inputs {
                for raw in [view.value, view.value.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }] {
                    let input = ScanInput(raw, isKey: view.isKey, parentKey: Array("constructor".utf8))
                    inputs += 1
                    var gated: [Match] = [], ungated: [Match] = []
                    detectors.scan(input, scratch: &scratch, into: &gated)
                    scratch.start()
                    for (category, gate) in zip(AttackCategory.allCases, gates) {
                        OwnDetectors.run(category, input, scratch: &scratch, into: &ungated)
                        if !gate.admits(input.present.addingLowercase) { skipped += 1 }
                    }
                    #expect(gated.map(\.rule) == ungated.map(\.rule) && gated.map(\.evidence) == ungated.map(\.evidence), "\(record.id): \(view.location)")
                    found += ungated.count
                }
            }
        }
        #expect(inputs > 1000 && found > 100 && skipped > inputs * 5)
    }

    /// Names, numbers and words reach no detector at all.
    @Test func plainInputsPassNoGate() {
        for text in ["name", "42", "quantity", "EUR", "hubs", "Accept", "currency", "id", "unitPrice"] {
            let lowered = ScanInput(Array(text.utf8)).present.addingLowercase
            let admitted = AttackCategory.allCases.filter { OwnDetectors.gate(of: $0).admits(lowered) }
            #expect(admitted.isEmpty, "\(text) → \(admitted)")
        }
    }
}
