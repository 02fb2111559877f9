import FeatureStoreKit
import Foundation
import Hummingbird
import Mustache

extension FeatureServer {
    /// The web UI under `/ui` (unless `--no-ui`): server-rendered pages over the registry, the
    /// watermarks, the profiles and drift, one stylesheet and the lookup form's script.
    func addUIRoutes(to router: Router<BasicRequestContext>) {
        guard configuration.uiEnabled else { return }
        addUIAuthRoutes(to: router)
        let pages = UIPages(
            server: self, locator: DefinitionLocator(root: stores.repoPath),
            rowCounts: UIRowCounts(onlineStore: stores.onlineStore))
        router.get("/ui/style.css") { _, _ in
            Self.asset(UITemplates.css, type: "text/css; charset=utf-8")
        }
        router.get("/ui/lookup.js") { _, _ in
            Self.asset(UITemplates.lookupJS, type: "text/javascript; charset=utf-8")
        }
        router.get("/ui") { _, _ in try await pages.respond { try await pages.overview() } }
        router.get("/ui/lineage") { _, _ in try await pages.respond { pages.lineage() } }
        router.get("/ui/jobs") { _, _ in try await pages.respond { try await pages.jobs() } }
        router.get("/ui/drift") { request, _ in
            try await pages.respond {
                try await pages.drift(
                    service: request.uri.queryParameters["service"].map(String.init),
                    baseline: request.uri.queryParameters["baseline"].map(String.init))
            }
        }
        router.get("/ui/stats/:view/:feature") { request, context in
            try await pages.respond {
                try await pages.stats(
                    view: try context.parameters.require("view"), feature: try context.parameters.require("feature"),
                    window: request.uri.queryParameters["window"].map(String.init))
            }
        }
        for kind in UIPages.Kind.allCases {
            router.get(RouterPath(stringLiteral: "/ui/\(kind.rawValue)")) { request, _ in
                try await pages.respond {
                    pages.list(kind, query: request.uri.queryParameters["q"].map(String.init) ?? "")
                }
            }
            router.get(RouterPath(stringLiteral: "/ui/\(kind.rawValue)/:name")) { _, context in
                try await pages.respond { try await pages.detail(kind, name: try context.parameters.require("name")) }
            }
        }
    }

    static func asset(_ text: String, type: String) -> Response {
        var response = Response.text(Array(text.utf8), contentType: type)
        response.headers[.cacheControl] = "max-age=300"
        return response
    }
}

/// A page that cannot be shown: rendered as the error page with its status.
struct UIProblem: Error {
    var status: HTTPResponse.Status
    var message: String
}

extension Response {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response.text(Array(text.utf8), contentType: "text/html; charset=utf-8", status: status)
    }
}
