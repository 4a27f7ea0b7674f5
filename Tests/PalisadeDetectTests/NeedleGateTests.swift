@testable import PalisadeDetect
import Testing

/// `NeedleSet.scan(_: ScanInput)` skips the automaton when the input lacks the rarest byte of every needle;
/// on every input of the CRS corpus it must find exactly what the ungated scan finds.
@Suite struct NeedleGateTests {
    static let sets: [(String, NeedleSet)] = [("detectors", DetectorNeedles.set)]

    @Test func gatedScanFindsWhatTheAutomatonFindsOnTheCorpus() throws {
        let corpus = try CRSCorpus.load()
        let detector = Detector(options: DetectorOptions())
        var inputs = 0, skipped = 0, hits = 0
        for record in corpus.records {
            for view in try detector.inputs(of: record.event).inputs {
                // Upper-case variants too: the gate must account for `lower` folding capitals.
                for raw in [view.value, view.value.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }] {
                    let input = ScanInput(raw, isKey: view.isKey)
                    inputs += 1
                    for (name, set) in Self.sets {
                        let gated = set.scan(input), ungated = set.scan(input.lower)
                        #expect(gated.ids == ungated.ids && gated.starts == ungated.starts, "\(name) on \(record.id)")
                        if ungated.isEmpty, !input.present.addingLowercase.intersects(set.gate) { skipped += 1 }
                        hits += ungated.ids.count
                    }
                }
            }
        }
        // The corpus exercises both paths: inputs the gate skips and inputs with needles.
        #expect(inputs > 1000 && skipped > 0 && hits > 0)
    }
}

/// The prototype-pollution gate asks for the letters of `proto` in either case: a key in capitals
/// reaches the rules, which read the lowercased text.
@Suite struct PrototypePollutionGateTests {
    @Test func capitalisedKeysAreSeen() {
        var matches: [Match] = []
        PrototypePollutionDetector().scan(ScanInput(Array("CONSTRUCTOR.PROTOTYPE.ADMIN".utf8), isKey: true), into: &matches)
        PrototypePollutionDetector().scan(ScanInput(Array("__PROTO__".utf8), isKey: true), into: &matches)
        #expect(matches.map(\.rule) == ["proto.constructor-prototype", "proto.proto-key"])
        matches.removeAll()
        PrototypePollutionDetector().scan(ScanInput(Array("__typename".utf8), isKey: true), into: &matches)
        #expect(matches.isEmpty)
    }

    /// The input set-up reads the length of `prototype` as a constant; it must stay the key's length.
    @Test func prototypeLengthIsTheKeys() {
        #expect(PrototypePollutionDetector.prototypeLength == PrototypePollutionDetector.prototypeKey.count)
    }
}
