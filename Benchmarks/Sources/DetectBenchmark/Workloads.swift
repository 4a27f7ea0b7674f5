/// One row of the table: the event Palisade inspects and the HTTP request ModSecurity inspects.
struct Workload {
    var name: String
    var event: [UInt8]
    var request: HTTPRequest
    var expected: Expected
    /// Set when ModSecurity's request is not the event's own HTTP request; printed as a footnote.
    var modSecurityNote: String?
    /// Latency goal for Palisade's p50, in microseconds, checked below the table.
    var goalMicroseconds: Double?
}

/// What a correct detector says about a row; the sanity check holds both engines to it.
enum Expected {
    case benign
    case attack
    /// Crafted to be expensive rather than malicious; either verdict is defensible.
    case either
}

/// Builds every workload from fixed seeds, so runs and machines compare like with like.
enum Workloads {
    static func all() -> [Workload] {
        [
            smallAPIRequest(),
            checkout(),
            sqsBatch(),
            apiRequest(name: "API GW, 64 KB JSON body", body: catalogBody(size: 64 << 10), expected: .benign),
            adversarial(),
            apiRequest(
                name: "API GW, 2 KB body + SQLi (attack)",
                body: checkoutBody(coupon: "SPRING' UNION SELECT card_number, cvv FROM payments -- "),
                expected: .attack
            ),
        ]
    }

    /// Row 1: the everyday case, a small POST from an app with a few query parameters.
    static func smallAPIRequest() -> Workload {
        let body = JSON.object([
            ("sku", .string("TS-1042-BLK-M")),
            ("quantity", .number(2)),
            ("giftWrap", .bool(true)),
            ("note", .string("Please deliver after 5pm.")),
        ])
        let request = HTTPRequest(
            method: "POST",
            path: "/carts/8841/items",
            resource: "/carts/{cartId}/items",
            pathParameters: [("cartId", "8841")],
            query: [("currency", "EUR"), ("locale", "en-GB"), ("expand", "totals")],
            headers: typicalHeaders(contentType: "application/json", client: .service),
            body: body.serialized
        )
        return Workload(name: "API GW, ~1 KB event", event: bytes(request.apiGatewayEvent), request: request, expected: .benign)
    }

    static func apiRequest(name: String, body: JSON, expected: Expected) -> Workload {
        let request = HTTPRequest(
            method: "POST",
            path: "/checkout",
            resource: "/checkout",
            headers: typicalHeaders(contentType: "application/json"),
            body: body.serialized
        )
        return Workload(name: name, event: bytes(request.apiGatewayEvent), request: request, expected: expected)
    }

    /// Row 2: the benign checkout.
    static func checkout() -> Workload {
        apiRequest(name: "API GW, 2 KB JSON body", body: checkoutBody(coupon: benignCoupon), expected: .benign)
    }

    static let benignCoupon = "SPRING-2026"

    /// Rows 2 and 6: a 2 KB checkout with the shapes real bodies have; `coupon` carries the attack.
    static func checkoutBody(coupon: String) -> JSON {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjdXNfODg0MSIsInNjb3BlIjoib3JkZXJzOndyaXRlIiwiaWF0IjoxNzk1NDAwMDAwLCJleHAiOjE3OTU0MDM2MDB9.Xk3vQ9pL2sR7tY1uW5zA8bC4dE6fG0hJ2kM9nP3qR5s"
        func item(_ sku: String, _ name: String, _ quantity: Int, _ price: String, _ tags: [String]) -> JSON {
            .object([
                ("sku", .string(sku)),
                ("name", .string(name)),
                ("quantity", .number(quantity)),
                ("unitPrice", .object([("amount", .string(price)), ("currency", .string("EUR"))])),
                ("tags", .array(tags.map(JSON.string))),
            ])
        }
        return .object([
            ("orderId", .string("ord_2026-11-23_000417")),
            ("createdAt", .string("2026-11-23T06:40:12.345Z")),
            ("customer", .object([
                ("id", .string("cus_8841")),
                ("name", .string("Siobhán O'Brien-Núñez")),
                ("email", .string("siobhan.obrien+orders@example.ie")),
                ("phone", .string("+353 (1) 555-0142")),
                ("marketingOptIn", .bool(false)),
            ])),
            ("shipping", .object([
                ("line1", .string("12 Rue de l'Église, Apt. #4")),
                ("line2", .null),
                ("city", .string("Saint-Étienne")),
                ("postcode", .string("42000")),
                ("country", .string("FR")),
                ("instructions", .string("Ring twice; if nobody answers, leave it with the neighbour (No. 14). Thanks!")),
                ("window", .object([("from", .string("2026-11-25T08:00:00+01:00")), ("to", .string("2026-11-25T12:00:00+01:00"))])),
            ])),
            ("items", .array([
                item("CBL-USBC-2M", "USB-C cable (2 m), braided - black", 2, "12.99", ["cables", "usb-c", "bestseller"]),
                item("HUB-7IN1", "7-in-1 hub: HDMI 4K@60Hz, 2x USB-A, SD/microSD, 100 W PD", 1, "49.00", ["hubs", "new"]),
                item("BAG-13", "Sleeve 13\" laptop & tablet, recycled felt", 1, "29.50", ["bags", "eco"]),
            ])),
            ("coupon", .string(coupon)),
            ("payment", .object([
                ("method", .string("card")),
                ("token", .string("tok_1QxYz2AbCdEfGhIjKlMn")),
                ("billingSameAsShipping", .bool(true)),
            ])),
            ("links", .object([
                ("receipt", .string("https://shop.example.com/receipts/ord_2026-11-23_000417?lang=en&utm_source=email")),
                ("support", .string("mailto:help@shop.example.com?subject=Order%20000417")),
                ("tracking", .string("https://track.example.net/parcels/JJD0012345678?ref=shop.example.com")),
            ])),
            ("session", .object([
                ("authorization", .string("Bearer \(jwt)")),
                ("device", .string("web; Safari 18.1 / macOS 14.6")),
                ("experiments", .array([.string("checkout-v3:b"), .string("free-shipping>=50:a")])),
            ])),
            ("note", .string("Gift for Mum - please don't include the invoice :-) Merci!")),
        ])
    }

    /// Row 3: ten order events from an SNS-fed queue, each record as the SQS trigger delivers it.
    static func sqsBatch() -> Workload {
        var random = SplitMix64(seed: 3)
        var records: [JSON] = []
        var bodies: [String] = []
        for index in 0..<10 {
            let body = JSON.object([
                ("type", .string("order.paid")),
                ("orderId", .string("ord_2026-11-23_\(String(410 + index))")),
                ("customer", .object([
                    ("id", .string("cus_\(random.digits(4))")),
                    ("email", .string("buyer\(index)@example.org")),
                ])),
                ("total", .object([("amount", .string("\(random.next(below: 300)).\(random.digits(2))")), ("currency", .string("EUR"))])),
                ("items", .array((0..<1 + index % 3).map { _ in .string("SKU-\(random.digits(5))") })),
                ("paidAt", .string("2026-11-23T06:\(10 + index):0\(index % 10)Z")),
            ]).serialized
            bodies.append(body)
            records.append(.object([
                ("messageId", .string(random.uuid())),
                ("receiptHandle", .string("AQEB" + random.base64URL(count: 180))),
                ("body", .string(body)),
                ("attributes", .object([
                    ("ApproximateReceiveCount", .string("1")),
                    ("SentTimestamp", .string(String(1_795_416_000_000 + index * 137))),
                    ("SenderId", .string("AIDAIENQZJOLO23YVJ4VO")),
                    ("ApproximateFirstReceiveTimestamp", .string(String(1_795_416_000_050 + index * 137))),
                ])),
                ("messageAttributes", .object([])),
                ("md5OfBody", .string(random.hex(count: 32))),
                ("eventSource", .string("aws:sqs")),
                ("eventSourceARN", .string("arn:aws:sqs:eu-west-1:123456789012:orders-paid")),
                ("awsRegion", .string("eu-west-1")),
            ]))
        }
        let request = HTTPRequest(
            method: "POST",
            path: "/queues/orders-paid",
            resource: "/queues/{queue}",
            headers: typicalHeaders(contentType: "application/json"),
            body: "[" + bodies.joined(separator: ",") + "]"
        )
        return Workload(
            name: "SQS batch, 10 JSON records",
            event: bytes(.object([("Records", .array(records))])),
            request: request,
            expected: .benign,
            modSecurityNote: "ModSecurity gets the 10 record bodies as one JSON array in one POST request."
        )
    }

    /// Row 4: a bulk upload of product records, cut at the first record past `size` bytes.
    static func catalogBody(size: Int) -> JSON {
        var random = SplitMix64(seed: 4)
        var products: [JSON] = []
        var length = 0
        while length < size {
            let id = random.digits(6)
            let product = JSON.object([
                ("id", .string("prd_\(id)")),
                ("title", .string("Merino wool crew-neck, size \(["S", "M", "L", "XL"][random.next(below: 4)]) (colour #\(random.hex(count: 6)))")),
                ("price", .object([("amount", .string("\(random.next(below: 200)).\(random.digits(2))")), ("currency", .string("EUR"))])),
                ("stock", .number(random.next(below: 500))),
                ("url", .string("https://shop.example.com/p/\(id)?variant=\(random.digits(3))&ref=feed")),
                ("updatedAt", .string("2026-11-\(10 + random.next(below: 13))T\(10 + random.next(below: 13)):\(10 + random.next(below: 49)):00Z")),
                ("attributes", .array([.string("machine-washable"), .string("100% wool"), .string("made in PT")])),
                ("active", .bool(random.next(below: 10) > 0)),
            ])
            length += product.serialized.utf8.count + 1
            products.append(product)
        }
        return .object([("source", .string("feed-sync/2.4")), ("products", .array(products))])
    }

    /// Row 5: 1 MiB crafted to make a scanner stumble: runs of quotes, brackets, `%25`, backslashes,
    /// JSON nested in strings several levels deep, and deep arrays. The cost should stay linear.
    static func adversarial() -> Workload {
        let target = 1 << 20
        var chunks: [JSON] = []
        var length = 0
        var round = 0
        while length < target {
            let chunk: JSON = switch round % 6 {
            case 0: .string(String(repeating: "\"", count: 4096))
            case 1: .string(String(repeating: "[{(<", count: 1024) + String(repeating: ">)}]", count: 1024))
            case 2: .string(String(repeating: "%25", count: 2048) + String(repeating: "%2525%252F", count: 256))
            case 3: .string(String(repeating: "\\", count: 4096))
            case 4: nestedStrings(depth: 6, round: round)
            default: deepArray(depth: 64, leaf: .string(String(repeating: "'\"\\`", count: 256)))
            }
            length += chunk.serialized.utf8.count + 1
            chunks.append(chunk)
            round += 1
        }
        let request = HTTPRequest(
            method: "POST",
            path: "/import",
            resource: "/import",
            headers: typicalHeaders(contentType: "application/json"),
            body: JSON.array(chunks).serialized
        )
        return Workload(
            name: "API GW, 1 MiB adversarial body",
            event: bytes(request.apiGatewayEvent),
            request: request,
            expected: .either,
            modSecurityNote: "ModSecurity gets the 1 MiB body as one POST request; its default 128 KiB body limit is raised to 2 MiB so it reads all of it.",
            goalMicroseconds: 20_000
        )
    }

    /// A JSON document stored as a string inside a document, `depth` times: each level doubles the
    /// backslashes before every quote, the shape double-encoded payloads take.
    private static func nestedStrings(depth: Int, round: Int) -> JSON {
        var inner = JSON.object([
            ("path", .string("C:\\Users\\build\\\"quoted\"\\%25%25")),
            ("list", .array([.string("a\"b"), .string("[{\"x\":\"y\"}]")])),
            ("round", .number(round)),
        ])
        for level in 0..<depth {
            inner = .object([("level", .number(level)), ("json", .string(inner.serialized)), ("pad", .string(String(repeating: "\"\\", count: 64)))])
        }
        return inner
    }

    private static func deepArray(depth: Int, leaf: JSON) -> JSON {
        (0..<depth).reduce(leaf) { inner, _ in .array([inner, .number(1)]) }
    }

    private static func bytes(_ json: JSON) -> [UInt8] { Array(json.serialized.utf8) }
}

/// Small deterministic generator (SplitMix64) for ids, hex digests and handles.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func digits(_ count: Int) -> String { pick(count, from: "0123456789") }

    mutating func hex(count: Int) -> String { pick(count, from: "0123456789abcdef") }

    mutating func base64URL(count: Int) -> String {
        pick(count, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }

    mutating func uuid() -> String {
        [hex(count: 8), hex(count: 4), "4" + hex(count: 3), "a" + hex(count: 3), hex(count: 12)].joined(separator: "-")
    }

    private mutating func pick(_ count: Int, from alphabet: String) -> String {
        let symbols = Array(alphabet)
        return String((0..<count).map { _ in symbols[next(below: symbols.count)] })
    }
}
