import Foundation
import Testing
@testable import PalisadePosture

/// The fixtures copied from Checkov's test suite (see Fixtures/README.md for provenance).
let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

/// Runs one check on an inline template, as `palisade scan` would on a file of that name.
func results(of check: some PostureCheck, in text: String, file: String = "template.yaml", asOf: String = "2026-11-23",
             environment: [String: String] = [:]) throws -> [Finding] {
    let scanner = Scanner(checks: [check], context: CheckContext(asOf: asOf), environment: environment)
    var inventory = try #require(try scanner.load(text: text, file: file))
    inventory.suppressions[file] = Suppressions.read(text, file: file).suppressions
    return scanner.evaluate(inventory)
}

/// Resource id → status, for compact expectations.
func verdicts(_ findings: [Finding]) -> [String: Finding.Status] {
    Dictionary(findings.map { ($0.resource, $0.status) }, uniquingKeysWith: { first, _ in first })
}
