import Foundation
import Testing
@testable import PalisadePosture

/// The XML reader `audit` uses for IAM's and S3's answers (which the moto tests in AuditTests read
/// end to end); here the parts of XML those answers may carry.
@Suite struct XMLValuesTests {
    @Test func iamAnswerWithEscapedPolicyDocument() {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <GetRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <GetRolePolicyResult>
            <PolicyName>broad</PolicyName>
            <!-- a comment with <Tags> inside -->
            <PolicyDocument>%7B%22Statement%22%3A%5B%5D%7D &amp; &lt;raw&gt; &quot;q&quot; &apos;a&apos; &#65;&#x42; &unknown;</PolicyDocument>
            <Empty/>
            <Spaced   />
          </GetRolePolicyResult>
        </GetRolePolicyResponse>
        """
        let values = XMLValues(Data(xml.utf8))
        #expect(values["PolicyName"] == ["broad"])
        #expect(values["PolicyDocument"] == [#"%7B%22Statement%22%3A%5B%5D%7D & <raw> "q" 'a' AB &unknown;"#])
        #expect(values["Empty"] == [""])
        #expect(values["Spaced"] == [""])
        #expect(values["GetRolePolicyResult"] == [""])
        #expect(values["Tags"].isEmpty)
    }

    @Test func s3GrantsAsRecords() {
        let xml = """
        <AccessControlPolicy><Owner><ID>owner</ID></Owner><AccessControlList>
        <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group" note="a > b"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
        <Grant><Grantee xsi:type='CanonicalUser'><ID>owner</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
        </AccessControlList></AccessControlPolicy>
        """
        let values = XMLValues(Data(xml.utf8), record: "Grant")
        #expect(values.records == [
            ["URI": "http://acs.amazonaws.com/groups/global/AllUsers", "Grantee": "", "Permission": "READ"],
            ["ID": "owner", "Grantee": "", "Permission": "FULL_CONTROL"],
        ])
        #expect(values["ID"] == ["owner", "owner"])
        #expect(values["Permission"] == ["READ", "FULL_CONTROL"])
    }

    @Test func cdataIsLiteralTextAndDoctypeIsSkipped() {
        let xml = "<!DOCTYPE r><r><a><![CDATA[x < y && &amp; ]]> tail</a><b>é ✓</b></r>"
        let values = XMLValues(Data(xml.utf8))
        #expect(values["a"] == ["x < y && &amp;  tail"])
        #expect(values["b"] == ["é ✓"])
    }

    @Test func truncatedDocumentKeepsWhatWasComplete() {
        let values = XMLValues(Data("<r><a>one</a><b>tw".utf8))
        #expect(values["a"] == ["one"])
        #expect(values["b"].isEmpty)
        #expect(XMLValues(Data()).values.isEmpty)
    }
}
