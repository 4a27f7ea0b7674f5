@testable import PalisadeDetect
import PalisadeJSON
import Testing

/// The event side's shortcuts must agree with what they replace: constant byte sets with the sets
/// they are built from, the one-pass root lookup with `JSONView`'s subscript, shared header names with
/// a lowercase copy, names read from the event with the text they had as strings.
@Suite struct EventSidePathTests {
    static func same(_ first: ByteSet, _ second: ByteSet) -> Bool {
        first.isSubset(of: second) && second.isSubset(of: first)
    }

    @Test func decodableBytesAreSpelledRight() {
        let overlongLeads = ByteSet([0xC0, 0xC1, 0xE0, 0xEF])
        #expect(Self.same(Canonicalizer.overlongLeads, overlongLeads))
        #expect(Self.same(Canonicalizer.decodable, ByteSet("%&\\").adding(0).union(overlongLeads)))
    }

    /// Every name asked for is found as the subscript finds it: the first member of the name, through
    /// escapes too; a name of another case or length is not.
    @Test func rootMembersMatchTheSubscript() throws {
        let event = #"""
        {"path": "/a", "Path": "/b", "pa\u0074h": "/c", "body": "x", "headers": {"h": "1"}, "headers": {"h": "2"},
         "Records": [], "awslogs": {}, "version": "2.0", "rawPath": "/r", "cookies": [], "httpMethod": "GET",
         "userPoolId": "p", "detail-type": "t", "detail": {}, "triggerSource": "s", "requestContext": {},
         "pathParameters": {}, "rawQueryString": "q", "isBase64Encoded": false, "multiValueHeaders": {},
         "queryStringParameters": {}, "multiValueQueryStringParameters": {}, "paths": "no"}
        """#
        let document = try JSONDocument(event)
        document.withView(tag: 0) { root in
            let members = RootMembers(root)
            let pairs: [(JSONView?, JSONView?)] = [
                (members.path, root["path"]), (members.body, root["body"]), (members.headers, root["headers"]),
                (members.records, root["Records"]), (members.awslogs, root["awslogs"]), (members.version, root["version"]),
                (members.rawPath, root["rawPath"]), (members.cookies, root["cookies"]), (members.httpMethod, root["httpMethod"]),
                (members.userPoolId, root["userPoolId"]), (members.detailType, root["detail-type"]), (members.detail, root["detail"]),
                (members.triggerSource, root["triggerSource"]), (members.requestContext, root["requestContext"]),
                (members.pathParameters, root["pathParameters"]), (members.rawQueryString, root["rawQueryString"]),
                (members.isBase64Encoded, root["isBase64Encoded"]), (members.multiValueHeaders, root["multiValueHeaders"]),
                (members.queryStringParameters, root["queryStringParameters"]),
                (members.multiValueQueryStringParameters, root["multiValueQueryStringParameters"]),
            ]
            for (found, expected) in pairs {
                #expect(found != nil)
                #expect(found?.index == expected?.index)
            }
            #expect(members.path?.stringEquals("/a") == true)
            #expect(members.headers?["h"]?.stringEquals("1") == true)
        }
        try JSONDocument(#"{"pa\u0074h": "/c", "PATH": "/d", "triggerSource": 1}"#).withView(tag: 0) { root in
            let members = RootMembers(root)
            #expect(members.path?.stringEquals("/c") == true)
            #expect(members.body == nil && members.userPoolId == nil)
            #expect(members.triggerSource?.index == root["triggerSource"]?.index)
        }
    }

    @Test func headerNamesAreLowercased() {
        for name in ["Accept", "content-TYPE", "X-Custom-Header", "host", "Cookie2", "ÉTag-X", ""] {
            let lowered = Array(name.utf8).withUnsafeBufferPointer(HTTPNames.lowercased)
            #expect(lowered == Array(name.utf8).lowercasedASCII(), "\(name)")
        }
    }

    /// Steps named from the event's bytes read back as the strings they were made from, invalid
    /// UTF-8 replaced, both in a location and as a parent key.
    @Test func textStepsReadBackAsStrings() throws {
        let document = try JSONDocument(#"{"prototype": 1}"#)
        var tree = PathTree()
        let tag = tree.adopt(document)
        let body = tree.add(.name("body"), under: PathTree.root)
        let field = tree.add(text: [0x61, 0xFF, 0x62], under: body)
        let index = tree.add(.index(2), under: field)
        let key = tree.add(.key(document: tag, node: 1), under: index)
        #expect(tree.location(of: key) == "body.a\u{FFFD}b[2].prototype")
        #expect(tree.parentKey(of: key, isKey: true) == Array("a\u{FFFD}b".utf8))
        #expect(tree.parentKey(of: field, isKey: true) == Array("body".utf8))
        tree.removeAll()
        let again = tree.add(text: Array("cookie".utf8), under: PathTree.root)
        #expect(tree.location(of: again) == "cookie")
    }

    /// Found or inserted in one search, an input is found again by a plain lookup, and a second one of
    /// the same bytes and kind shares the first's verdict, across the table's growth.
    @Test func findOrInsertAgreesWithLookup() {
        var cache = ShortInputCache<Int>()
        for index in 0..<500 {
            let value = Array("value-\(index)".utf8)
            value.withUnsafeBufferPointer { bytes in
                let digest = ShortInputKey.digest(of: bytes, isKey: false, source: .argument)!
                #expect(cache.verdict(for: bytes, isKey: false, source: .argument, digest: digest, orInsert: index) == nil)
                #expect(cache.verdict(for: bytes, isKey: false, source: .argument, digest: digest, orInsert: -1) == index)
                #expect(cache.verdict(for: bytes, isKey: true, source: .argument, digest: digest) == nil)
            }
        }
        for index in 0..<500 {
            Array("value-\(index)".utf8).withUnsafeBufferPointer { bytes in
                let digest = ShortInputKey.digest(of: bytes, isKey: false, source: .argument)!
                #expect(cache.verdict(for: bytes, isKey: false, source: .argument, digest: digest) == index)
            }
        }
    }
}
