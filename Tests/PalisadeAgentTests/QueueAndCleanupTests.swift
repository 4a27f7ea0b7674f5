import Foundation
import PalisadeAgent
import PalisadePolicy
import Testing

@Suite struct EventQueueTests {
    @Test func spillsBeyondMemoryDropsBeyondTheSpillAndDrainsInOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-queue-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spill = directory + "/spill.jsonl"
        let queue = EventQueue(spillPath: spill, limits: .init(inMemory: 2, spillBytes: 16))
        for index in 0..<6 { queue.append(Array("{\"n\":\(index)}\n".utf8)) }
        #expect(FileManager.default.fileExists(atPath: spill))
        let (lines, dropped) = queue.drain()
        #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["{\"n\":0}\n", "{\"n\":1}\n", "{\"n\":2}\n", "{\"n\":3}\n"])
        #expect(dropped == 2)
        #expect(!FileManager.default.fileExists(atPath: spill), "a drained spill file is removed")
        #expect(queue.drain().lines.isEmpty)
    }
}

@Suite struct TmpCleanerTests {
    @Test func removesWhatInvocationsLeftButKeepsInitFilesAndKeptPaths() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-tmp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        FileManager.default.createFile(atPath: root + "/model.bin", contents: Data("init".utf8))
        let cleaner = TmpCleaner(root: root, keep: [Glob(root + "/cache*")], alwaysKeep: [root + "/state"])
        #expect(cleaner.clean().isEmpty, "the first invocation only notes what init left")

        try FileManager.default.createDirectory(atPath: root + "/upload/nested", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/upload/nested/payload.sh", contents: Data("x".utf8))
        FileManager.default.createFile(atPath: root + "/cache-1", contents: Data("keep".utf8))
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/model.bin")

        #expect(Set(cleaner.clean()) == [root + "/upload", root + "/link"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root)) == ["state", "model.bin", "cache-1"])
    }
}
