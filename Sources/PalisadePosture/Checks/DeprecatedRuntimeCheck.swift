/// A deprecated runtime gets no security patches, and after the block dates the function can no
/// longer be updated, not even to fix a vulnerability.
struct DeprecatedRuntimeCheck: PostureCheck {
    let id = "PAL-FN-002"
    let title = "Function uses a deprecated runtime"
    let severity = Severity.high
    let equivalents = ["CKV_AWS_363"]
    let remediation = "Move the function to a supported runtime of the same language (see AWS's Lambda runtimes page)."

    /// Deprecation dates (no more security patches) from AWS's Lambda runtimes page, November 2026.
    static let deprecations: [String: String] = [
        "nodejs": "2016-10-31", "nodejs4.3": "2020-03-05", "nodejs6.10": "2019-08-12", "nodejs8.10": "2020-03-06",
        "nodejs10.x": "2021-07-30", "nodejs12.x": "2023-03-31", "nodejs14.x": "2023-12-04", "nodejs16.x": "2024-06-12",
        "nodejs18.x": "2025-09-01", "nodejs20.x": "2026-04-30", "nodejs22.x": "2027-04-30",
        "python2.7": "2021-07-15", "python3.6": "2022-07-18", "python3.7": "2023-12-04", "python3.8": "2024-10-14",
        "python3.9": "2025-12-15", "python3.10": "2026-10-31", "python3.11": "2027-06-30",
        "ruby2.5": "2021-07-30", "ruby2.7": "2023-12-07", "ruby3.2": "2026-03-31", "ruby3.3": "2027-03-31",
        "java8": "2024-01-08", "java8.al2": "2026-06-30", "java11": "2026-06-30",
        "go1.x": "2024-01-08", "provided": "2024-01-08", "provided.al2": "2026-06-30",
        "dotnetcore1.0": "2019-07-30", "dotnetcore2.0": "2019-05-30", "dotnetcore2.1": "2022-01-05", "dotnetcore3.1": "2023-04-03",
        "dotnet5.0": "2022-05-10", "dotnet6": "2024-12-20", "dotnet7": "2024-05-14", "dotnet8": "2026-11-10",
    ]

    func evaluate(_ inventory: Inventory, _ context: CheckContext) -> [CheckResult] {
        inventory.functions.compactMap { function in
            guard let runtime = function.runtime.text else { return nil }
            if let date = Self.deprecations[runtime], date <= context.asOf {
                return CheckResult(ref: function.ref, line: function.runtimeLine, passed: false, message: "`\(runtime)` has been deprecated since \(date)")
            }
            return CheckResult(ref: function.ref, passed: true, message: "`\(runtime)` is supported as of \(context.asOf)")
        }
    }
}
