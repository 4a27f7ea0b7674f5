import Testing
@testable import PalisadePosture

@Suite struct PublicBucketACLCheckTests {
    @Test(arguments: [("PublicRead", Finding.Status.failed), ("PublicReadWrite", .failed), ("AuthenticatedRead", .failed),
                      ("Private", .passed), ("LogDeliveryWrite", .passed)])
    func cannedACLs(acl: String, expected: Finding.Status) throws {
        let text = """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties:
              AccessControl: \(acl)
        """
        #expect(verdicts(try results(of: PublicBucketACLCheck(), in: text)) == ["AWS::S3::Bucket.Bucket": expected])
    }
}
