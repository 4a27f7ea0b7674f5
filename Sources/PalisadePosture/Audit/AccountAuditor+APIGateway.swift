import Foundation

/// The account's API Gateway REST API methods and HTTP API routes: whether each has an authorizer
/// (or an API key), whether a usage plan or stage throttling limits it, and which function it calls.
extension AccountAuditor {
    /// A method or route and the function its Lambda integration invokes, if any.
    struct Route {
        var method: APIMethod
        var name: String
        var trigger: Trigger
        var function: String?
    }

    func apiRoutes() throws(PostureError) -> [Route] {
        try restMethods() + httpRoutes()
    }

    /// REST APIs (`GetRestApis`, `GetResources`, `GetMethod`): a method is limited when a usage plan
    /// covers one of the API's stages or a stage's method settings throttle.
    private func restMethods() throws(PostureError) -> [Route] {
        let planned = Set(try pages("/usageplans", items: "item", token: "position")
            .flatMap { $0["apiStages"] as? [[String: Any]] ?? [] }.compactMap { $0["apiId"] as? String })
        var routes: [Route] = []
        for api in try pages("/restapis", items: "item", token: "position") {
            guard let apiID = api["id"] as? String else { continue }
            let stages = try client.json(service: "apigateway", path: "/restapis/\(apiID)/stages")?["item"] as? [[String: Any]] ?? []
            let throttled = planned.contains(apiID) || stages.contains { stage in
                (stage["methodSettings"] as? [String: [String: Any]] ?? [:]).values.contains(where: Self.throttles)
            }
            for resource in try pages("/restapis/\(apiID)/resources", items: "item", token: "position") {
                guard let resourceID = resource["id"] as? String else { continue }
                let path = resource["path"] as? String ?? "/"
                for verb in (resource["resourceMethods"] as? [String: Any] ?? [:]).keys.sorted() {
                    let methodPath = "/restapis/\(apiID)/resources/\(resourceID)/methods/\(verb)"
                    guard let method = try client.json(service: "apigateway", path: methodPath) else { continue }
                    let authorized = Self.isAuthorized(method)
                    let ref = ResourceRef(id: "arn:aws:apigateway:\(client.region)::\(methodPath)", file: "aws:\(client.region)", line: 1)
                    let uri = (method["methodIntegration"] as? [String: Any])?["uri"] as? String
                    routes.append(Route(method: APIMethod(ref: ref, authorized: authorized, throttled: throttled), name: "\(verb) \(path)",
                                        trigger: .apiGatewayV1, function: uri.flatMap(Self.functionArn(fromIntegrationUri:))))
                }
            }
        }
        return routes
    }

    /// HTTP APIs (`GetApis`, `GetRoutes`, `GetStages`, `GetIntegrations`): a route is limited when a
    /// stage throttles all routes or that route.
    private func httpRoutes() throws(PostureError) -> [Route] {
        var routes: [Route] = []
        for api in try pages("/v2/apis", items: "items", token: "nextToken") {
            guard let apiID = api["apiId"] as? String else { continue }
            let stages = try pages("/v2/apis/\(apiID)/stages", items: "items", token: "nextToken")
            var integrations: [String: String] = [:]
            for integration in try pages("/v2/apis/\(apiID)/integrations", items: "items", token: "nextToken") {
                if let id = integration["integrationId"] as? String, let uri = integration["integrationUri"] as? String { integrations[id] = uri }
            }
            for route in try pages("/v2/apis/\(apiID)/routes", items: "items", token: "nextToken") {
                guard let routeID = route["routeId"] as? String else { continue }
                let key = route["routeKey"] as? String ?? routeID
                let authorized = Self.isAuthorized(route)
                let throttled = stages.contains { stage in
                    Self.throttles(stage["defaultRouteSettings"] as? [String: Any] ?? [:])
                        || Self.throttles((stage["routeSettings"] as? [String: [String: Any]])?[key] ?? [:])
                }
                let target = (route["target"] as? String).map { $0.hasPrefix("integrations/") ? String($0.dropFirst("integrations/".count)) : $0 }
                let ref = ResourceRef(id: "arn:aws:apigateway:\(client.region)::/apis/\(apiID)/routes/\(routeID)", file: "aws:\(client.region)", line: 1)
                routes.append(Route(method: APIMethod(ref: ref, authorized: authorized, throttled: throttled), name: key,
                                    trigger: .httpApiV2, function: target.flatMap { integrations[$0] }.flatMap(Self.functionArn(fromIntegrationUri:))))
            }
        }
        return routes
    }

    /// Every item of a paged API Gateway listing (`position` for REST APIs, `nextToken` for v2).
    private func pages(_ path: String, items: String, token: String) throws(PostureError) -> [[String: Any]] {
        var all: [[String: Any]] = []
        var next: String?
        repeat {
            let query = next.map { [URLQueryItem(name: token, value: $0)] } ?? []
            let page = try client.json(service: "apigateway", path: path, query: query) ?? [:]
            all += page[items] as? [[String: Any]] ?? []
            next = (page[token] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil
        return all
    }

    /// An authorizer of any type, or a required API key (REST methods and HTTP API routes alike).
    private static func isAuthorized(_ method: [String: Any]) -> Bool {
        (method["authorizationType"] as? String ?? "NONE").uppercased() != "NONE" || method["apiKeyRequired"] as? Bool == true
    }

    private static func throttles(_ settings: [String: Any]) -> Bool {
        settings["throttlingRateLimit"] != nil || settings["throttlingBurstLimit"] != nil
    }

    /// The unqualified function ARN a Lambda integration calls: REST APIs give
    /// `arn:aws:apigateway:…:lambda:path/2015-03-31/functions/<function ARN>/invocations`, HTTP APIs
    /// that or the function ARN itself (possibly with an alias or version).
    static func functionArn(fromIntegrationUri uri: String) -> String? {
        var arn = uri
        if let start = uri.range(of: "/functions/") {
            arn = String(uri[start.upperBound...])
            if let end = arn.range(of: "/invocations") { arn = String(arn[..<end.lowerBound]) }
        }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "lambda", parts[5] == "function" else { return nil }
        return parts.prefix(7).joined(separator: ":")
    }

    /// Gives each function its API routes as triggers, replacing the bare "API Gateway may invoke"
    /// its resource policy implies, so the route check judges the routes themselves.
    static func attach(_ routes: [Route], to functions: inout [LambdaFunction]) {
        var byFunction: [String: [Route]] = [:]
        for route in routes {
            if let function = route.function { byFunction[function, default: []].append(route) }
        }
        for index in functions.indices {
            guard let own = byFunction[functions[index].key] else { continue }
            functions[index].triggers.removeAll { $0.trigger == .apiGatewayV1 || $0.trigger == .httpApiV2 }
            for route in own {
                var use = TriggerUse(trigger: route.trigger, name: route.name, line: 1)
                use.authorized = route.method.authorized
                use.throttled = route.method.throttled
                functions[index].triggers.append(use)
            }
        }
    }
}
