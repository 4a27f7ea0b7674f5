import Testing
@testable import PalisadePosture

@Suite struct CheckRegistryTests {
    @Test func everyCheckIsDescribedOnceWithRemediation() {
        let ids = CheckRegistry.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for check in CheckRegistry.all {
            #expect(check.id.hasPrefix("PAL-"))
            #expect(!check.title.isEmpty)
            #expect(check.remediation.count > 20)
            #expect(check.equivalents.allSatisfy { $0.hasPrefix("CKV") })
        }
        #expect(CheckRegistry.describe().split(separator: "\n").count == ids.count)
    }

    @Test func selectionByID() throws {
        #expect(try CheckRegistry.select([]).count == CheckRegistry.all.count)
        #expect(try CheckRegistry.select(["PAL-URL-001", "PAL-IAM-001"]).map(\.id) == ["PAL-URL-001", "PAL-IAM-001"])
        #expect(throws: PostureError.self) { try CheckRegistry.select(["PAL-NOPE"]) }
    }
}
