extension Workloads {
    /// `count` events of the 2 KB checkout row whose keys are the row's but whose header and body
    /// values are redrawn: each digit becomes a random digit (ids, times, prices, hosts vary, the
    /// words stay), and with `letters` each letter a random letter of the same case too (every
    /// value is then gibberish of the same length, punctuation and shape). They check that the
    /// row's one repeated event flatters neither caches nor branch predictors.
    static func variedCheckouts(count: Int, letters: Bool) -> [[UInt8]] {
        var random = SplitMix64(seed: 12)
        let checkout = checkout().request
        let body = checkoutBody(coupon: benignCoupon)
        return (0..<count).map { _ in
            var request = checkout
            request.headers = checkout.headers.map { ($0, redrawn($1, letters: letters, &random)) }
            request.body = redrawn(body, letters: letters, &random).serialized
            return Array(request.apiGatewayEvent.serialized.utf8)
        }
    }

    private static func redrawn(_ json: JSON, letters: Bool, _ random: inout SplitMix64) -> JSON {
        switch json {
        case .object(let members): .object(members.map { ($0, redrawn($1, letters: letters, &random)) })
        case .array(let elements): .array(elements.map { redrawn($0, letters: letters, &random) })
        case .string(let text): .string(redrawn(text, letters: letters, &random))
        case .number, .bool, .null: json
        }
    }

    private static func redrawn(_ text: String, letters: Bool, _ random: inout SplitMix64) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            switch scalar {
            case "a"..."z" where letters: Unicode.Scalar(UInt8(ascii: "a") + UInt8(random.next(below: 26)))
            case "A"..."Z" where letters: Unicode.Scalar(UInt8(ascii: "A") + UInt8(random.next(below: 26)))
            case "0"..."9": Unicode.Scalar(UInt8(ascii: "0") + UInt8(random.next(below: 10)))
            default: scalar
            }
        }))
    }
}
