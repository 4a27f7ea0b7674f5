import Foundation

/// The account's S3 buckets and whether their ACLs make them public, for the public ACL check.
extension AccountAuditor {
    static let allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
    static let authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

    /// Every bucket `ListBuckets` names, with the canned ACL its grants amount to; a bucket whose
    /// ACL cannot be read becomes a warning.
    func buckets(warnings: inout [PostureError]) throws(PostureError) -> [BucketACL] {
        let names = try client.s3(path: "/", record: "Bucket")?.records.compactMap { $0["Name"] } ?? []
        var buckets: [BucketACL] = []
        for name in names {
            do throws(PostureError) {
                buckets.append(try bucket(name))
            } catch {
                warnings.append(error)
            }
        }
        return buckets
    }

    private func bucket(_ name: String) throws(PostureError) -> BucketACL {
        let grants = try client.s3(path: "/\(name)", query: [URLQueryItem(name: "acl", value: "")], record: "Grant")?.records ?? []
        var acl = Self.cannedACL(grants: grants)
        // Block Public Access's `IgnorePublicAcls` makes S3 disregard public grants (404: not configured).
        let block = try client.s3(path: "/\(name)", query: [URLQueryItem(name: "publicAccessBlock", value: "")])
        if acl != "Private", block?["IgnorePublicAcls"].first?.lowercased() == "true" { acl = "Private" }
        return BucketACL(ref: ResourceRef(id: "arn:aws:s3:::\(name)", file: "aws:\(client.region)", line: 1), accessControl: .value(acl))
    }

    /// The canned ACL (`PublicReadWrite`, `PublicRead`, `AuthenticatedRead` or `Private`) whose
    /// exposure a bucket's grants match: what everyone, or every AWS account, may do.
    static func cannedACL(grants: [[String: String]]) -> String {
        func permissions(of group: String) -> Set<String> { Set(grants.filter { $0["URI"] == group }.compactMap { $0["Permission"] }) }
        let everyone = permissions(of: allUsers)
        if !everyone.isDisjoint(with: ["WRITE", "FULL_CONTROL"]) { return "PublicReadWrite" }
        if !everyone.isEmpty { return "PublicRead" }
        if !permissions(of: authenticatedUsers).isEmpty { return "AuthenticatedRead" }
        return "Private"
    }
}
