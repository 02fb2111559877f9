import FeatureStoreKit
import Foundation
import Hummingbird
import Mustache

/// The UI's pages: each builds a template context (dictionaries of strings, lists and flags) from
/// what the server holds (the registry snapshot being served, the cached watermarks) or computes on
/// the monitoring lane (newest events, profiles, drift), and renders it.
struct UIPages: Sendable {
    let server: FeatureServer
    let locator: DefinitionLocator
    let rowCounts: UIRowCounts

    enum Kind: String, CaseIterable, Sendable {
        case entities, sources
        case featureViews = "feature-views"
        case featureServices = "feature-services"

        var title: String {
            switch self {
            case .entities: "Entities"
            case .sources: "Sources"
            case .featureViews: "Feature views"
            case .featureServices: "Feature services"
            }
        }

        var singular: String {
            switch self {
            case .entities: "entity"
            case .sources: "source"
            case .featureViews: "feature view"
            case .featureServices: "feature service"
            }
        }

        var section: String { rawValue.replacingOccurrences(of: "-", with: "_") }
    }

    /// Renders `page` into an HTML answer; a ``UIProblem`` or a store error becomes the error page.
    func respond(_ page: @Sendable () async throws -> (template: String, context: [String: Any])) async throws
        -> Response
    {
        do {
            let (template, context) = try await page()
            return .html(render(template, context))
        } catch let problem as UIProblem {
            return .html(render("error", ["title": "Not shown", "message": problem.message]), status: problem.status)
        } catch let error as FeatureStoreError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .notFound: .notFound
                case .invalidArgument, .invalidInput: .badRequest
                default: .internalServerError
                }
            if status == .internalServerError { throw error }
            return .html(render("error", ["title": "Not shown", "message": error.message]), status: status)
        }
    }

    func render(_ template: String, _ context: [String: Any]) -> String {
        var context = context
        context["version"] = server.state.current.version
        context["signOut"] = server.access.authenticator != nil
        return UITemplates.library.render(context, withTemplate: template) ?? ""
    }

    // MARK: Overview and jobs

    func overview() async throws -> (template: String, context: [String: Any]) {
        let current = server.state.current
        let snapshot = current.snapshot
        let definitions = snapshot.definitions
        let newest = try await server.monitoring.read { store in try store.newestEvents(snapshot) }
        let marks = server.stores.watermarks.current
        let now = server.clock()
        let counts = rowCounts.counts(for: snapshot, now: server.clock)
        var stale = 0
        var rows = UIRows(capacity: definitions.featureViews.count * 400)
        for view in definitions.featureViews {
            var reasons: [String] = []
            if view.ttl > .zero, let event = newest[view.name], event.addingClamped(view.ttl) < now {
                reasons.append("newest event older than the ttl \(view.ttl)")
            }
            if let schedule = view.schedule, let mark = marks[view.name],
                mark.updatedAt.addingClamped(schedule.interval).addingClamped(schedule.interval) < now
            {
                reasons.append("last materialization older than two schedule intervals")
            }
            if !reasons.isEmpty { stale += 1 }
            rows.raw(reasons.isEmpty ? "<tr><td>" : #"<tr class="stale"><td>"#)
            rows.link(prefix: "/ui/feature-views/", view.name)
            if !reasons.isEmpty {
                rows.raw(#" <span class="mark" title=""#)
                rows.text(reasons.joined(separator: "; "))
                rows.raw(#"">stale</span>"#)
            }
            rows.raw("</td>")
            rows.cell(newest[view.name].map(\.rfc3339) ?? "no rows")
            rows.cell(newest[view.name].map { Self.age(from: $0, to: now) } ?? "")
            rows.cell(marks[view.name].map(\.updatedAt.rfc3339) ?? (view.online ? "never" : "offline only"))
            rows.cell(marks[view.name].map(\.watermark.rfc3339) ?? "")
            rows.cell(Self.rowsOnline(view, counts), class: "number")
            rows.cell(view.schedule.map(\.description) ?? "")
            rows.cell(view.ttl == .zero ? "none" : view.ttl.description)
            rows.raw("</tr>\n")
        }
        var context: [String: Any] = [
            "title": "Overview", "entities": definitions.entities.count, "sources": definitions.sources.count,
            "views": definitions.featureViews.count, "services": definitions.featureServices.count,
            "scheduler": schedulerState, "now": now.rfc3339, "rowsHTML": rows.html,
            "countNote": Self.countNote(counts, now: now),
        ]
        if let project = snapshot.project { context["project"] = project }
        if stale > 0 { context["staleCount"] = "\(stale)" }
        return ("overview", context)
    }

    /// A view's rows online as the overview shows them: the background count, approximate.
    static func rowsOnline(_ view: FeatureView, _ counts: UIRowCounts.Counts) -> String {
        if !view.online { return "" }
        if view.isAggregate { return "aggregate" }
        guard let rows = counts.rows[view.name] else { return counts.countedAt == nil ? "counting…" : "" }
        return "≈ \(rows)"
    }

    static func countNote(_ counts: UIRowCounts.Counts, now: Timestamp) -> String {
        guard let countedAt = counts.countedAt else {
            return "being counted in the background; reload in a moment."
        }
        if let failure = counts.failure { return "the last count failed: \(failure)" }
        return
            "counted in the background \(age(from: countedAt, to: now)) ago (every minute at most, in \(String(format: "%.2f", counts.seconds)) s), so writes since then are not in them; aggregate views hold tiles, not rows."
    }

    var schedulerState: String {
        server.configuration.schedulerEnabled
            ? "on, checking every \(server.configuration.schedulerTick)" : "off (--no-scheduler)"
    }

    /// How many runs the jobs page lists, and a view's page.
    static let runsOnJobsPage = 100
    static let runsOnViewPage = 10
    /// How many views of one run are named (a run over every view of a large repo would fill the page).
    static let viewsNamedPerRun = 8

    /// The rows of the runs table (failures highlighted; error messages escaped like every value);
    /// with `view`, each run's figures for that view only.
    func runRows(_ runs: [MaterializationRun], now: Timestamp, view: String? = nil) -> String {
        var rows = UIRows(capacity: runs.count * 600)
        for run in runs {
            let shown = view.map { name in run.views.filter { $0.view == name } } ?? run.views
            rows.raw(run.succeeded ? "<tr>" : #"<tr class="failed">"#)
            rows.cell("\(run.id)")
            rows.raw("<td>")
            rows.text(run.startedAt.rfc3339)
            rows.raw(#" <span class="note">("#)
            rows.text(Self.age(from: run.startedAt, to: now))
            rows.raw(" ago)</span></td>")
            rows.cell("\(run.mode.rawValue) · \(run.trigger.rawValue)")
            rows.raw("<td>")
            for item in shown.prefix(Self.viewsNamedPerRun) {
                rows.link(prefix: "/ui/feature-views/", item.view, href: HTML.pathSegment(item.view))
                rows.raw(" ")
            }
            if shown.count > Self.viewsNamedPerRun {
                rows.raw(#"<span class="note">and \#(shown.count - Self.viewsNamedPerRun) more</span>"#)
            }
            rows.raw("</td>")
            rows.cell(Self.duration(view == nil ? run.seconds : shown.first?.seconds ?? run.seconds), class: "number")
            rows.cell("\(shown.reduce(0) { $0 + $1.rowsWritten })", class: "number")
            if let error = run.error {
                rows.raw(#"<td><span class="status alert">failed</span> <span class="error">"#)
                rows.text(error)
                rows.raw("</span></td>")
            } else {
                rows.raw(#"<td><span class="status ok">ok</span></td>"#)
            }
            rows.raw("</tr>\n")
        }
        return rows.html
    }

    /// Seconds as people read them: `0.042 s`, `3.1 s`, `2m 5s`.
    static func duration(_ seconds: Double) -> String {
        if !seconds.isFinite || seconds < 0 { return "" }
        if seconds < 1 { return String(format: "%.3f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds)
        return "\(whole / 60)m \(whole % 60)s"
    }

    func jobs() async throws -> (template: String, context: [String: Any]) {
        let views = server.state.current.snapshot.definitions.featureViews.filter(\.online)
        let marks = server.stores.watermarks.current
        let now = server.clock()
        let runs = try await server.stores.runs(limit: Self.runsOnJobsPage)
        var rows = UIRows(capacity: views.count * 300)
        for view in views {
            rows.raw("<tr><td>")
            rows.link(prefix: "/ui/feature-views/", view.name)
            rows.raw("</td>")
            rows.cell(marks[view.name].map(\.updatedAt.rfc3339) ?? "never")
            rows.cell(marks[view.name].map(\.watermark.rfc3339) ?? "")
            rows.cell(marks[view.name].map { Self.age(from: $0.watermark, to: now) } ?? "")
            rows.cell(view.schedule.map(\.description) ?? "manual")
            rows.raw("</tr>\n")
        }
        var context: [String: Any] = [
            "title": "Jobs", "scheduler": schedulerState, "rowsHTML": rows.html, "hasRuns": !runs.isEmpty,
            "runsHTML": runRows(runs, now: now), "kept": "\(Registry.runsKeptPerView)",
        ]
        let failed = runs.filter { !$0.succeeded }.count
        if failed > 0 { context["failedCount"] = "\(failed)" }
        return ("jobs", context)
    }

    /// A duration as people read it: `42s`, `5m`, `3h 20m`, `2d 4h`.
    static func age(from start: Timestamp, to end: Timestamp) -> String {
        let (difference, overflow) = end.microseconds.subtractingReportingOverflow(start.microseconds)
        if overflow { return "" }
        let seconds = difference / 1_000_000
        if seconds < 0 { return "in the future" }
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86_400 { return "\(seconds / 3600)h \(seconds % 3600 / 60)m" }
        return "\(seconds / 86_400)d \(seconds % 86_400 / 3600)h"
    }

    // MARK: Lists and definitions

    /// One row of a list: name, description, owner, tags (what the search matches).
    private struct Item {
        var name: String
        var cells: [String]
        var searchable: [String]
    }

    private func items(_ kind: Kind) -> (columns: [String], items: [Item]) {
        let definitions = server.state.current.snapshot.definitions
        func tags(_ tags: [String: String]) -> String {
            tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        switch kind {
        case .entities:
            return (
                ["Entity", "Join keys", "Description", "Tags"],
                definitions.entities.map {
                    let keys = $0.joinKeys.map { "\($0.name) (\($0.valueType.rawValue))" }.joined(separator: ", ")
                    return Item(
                        name: $0.name, cells: [keys, $0.description, tags($0.tags)],
                        searchable: [$0.name, $0.description, tags($0.tags)])
                }
            )
        case .sources:
            return (
                ["Source", "Kind", "Description", "Tags"],
                definitions.sources.map {
                    Item(
                        name: $0.name, cells: [$0.kind.rawValue, $0.description, tags($0.tags)],
                        searchable: [$0.name, $0.description, tags($0.tags)])
                }
            )
        case .featureViews:
            return (
                ["Feature view", "Entities", "Source", "Features", "Owner", "Description", "Tags"],
                definitions.featureViews.map {
                    Item(
                        name: $0.name,
                        cells: [
                            $0.entities.joined(separator: ", "), $0.source, "\($0.outputFeatures.count)", $0.owner,
                            $0.description, tags($0.tags),
                        ],
                        searchable: [$0.name, $0.description, $0.owner, $0.source, tags($0.tags)])
                }
            )
        case .featureServices:
            return (
                ["Feature service", "Features", "Description", "Tags"],
                definitions.featureServices.map {
                    Item(
                        name: $0.name,
                        cells: [$0.features.map(\.description).joined(separator: ", "), $0.description, tags($0.tags)],
                        searchable: [$0.name, $0.description, tags($0.tags)])
                }
            )
        }
    }

    func list(_ kind: Kind, query: String) -> (template: String, context: [String: Any]) {
        let (columns, all) = items(kind)
        let needle = query.trimmingCharacters(in: .whitespaces).lowercased()
        let shown =
            needle.isEmpty ? all : all.filter { item in item.searchable.contains { $0.lowercased().contains(needle) } }
        return (
            "list",
            [
                "title": kind.title, "path": "/ui/\(kind.rawValue)", "query": query, "columns": columns,
                "total": "\(all.count)", "shown": "\(shown.count)",
                "itemsHTML": Self.listRows(shown, path: "/ui/\(kind.rawValue)/"),
            ]
        )
    }

    private static func listRows(_ items: [Item], path: String) -> String {
        var rows = UIRows(capacity: items.count * 300)
        for item in items {
            rows.raw("<tr><td>")
            rows.link(prefix: path, item.name)
            rows.raw("</td>")
            for cell in item.cells { rows.cell(cell) }
            rows.raw("</tr>\n")
        }
        return rows.html
    }

    func detail(_ kind: Kind, name: String) async throws -> (template: String, context: [String: Any]) {
        let current = server.state.current
        let definitions = current.snapshot.definitions
        var context: [String: Any] = [
            "title": name, "kind": kind.singular,
            "location": locator.place(section: kind.section, name: name, version: current.version) ?? "",
        ]
        var facts: [[String: Any]] = []
        func link(_ label: String, _ names: [String], _ target: Kind) {
            facts.append([
                "label": label,
                "links": names.map { ["text": $0, "href": "/ui/\(target.rawValue)/\(HTML.pathSegment($0))"] },
            ])
        }
        func fact(_ label: String, _ value: String) { facts.append(["label": label, "value": value]) }
        let definition: any Encodable
        var tags: [String: String] = [:]
        switch kind {
        case .entities:
            guard let entity = definitions.entity(name) else {
                throw notFound(kind, name, definitions.entities.map(\.name))
            }
            definition = entity
            tags = entity.tags
            context["description"] = entity.description
            fact("Join keys", entity.joinKeys.map { "\($0.name) (\($0.valueType.rawValue))" }.joined(separator: ", "))
            link(
                "Feature views", definitions.featureViews.filter { $0.entities.contains(name) }.map(\.name),
                .featureViews)
        case .sources:
            guard let source = definitions.source(name) else {
                throw notFound(kind, name, definitions.sources.map(\.name))
            }
            definition = source
            tags = source.tags
            context["description"] = source.description
            fact("Kind", source.kind.rawValue)
            if let path = source.path { fact("Path", path) }
            fact("Timestamp field", source.timestampField)
            link("Feature views", definitions.featureViews.filter { $0.source == name }.map(\.name), .featureViews)
        case .featureViews:
            guard let view = definitions.featureView(name) else {
                throw notFound(kind, name, definitions.featureViews.map(\.name))
            }
            definition = view
            tags = view.tags
            context["description"] = view.description
            context["owner"] = view.owner
            link("Entities", view.entities, .entities)
            link("Source", [view.source], .sources)
            link(
                "Feature services",
                definitions.featureServices.filter { $0.features.contains { $0.view == name } }.map(\.name),
                .featureServices)
            fact("TTL", view.ttl == .zero ? "none" : view.ttl.description)
            fact("Online", view.online ? "yes" : "no")
            if let schedule = view.schedule { fact("Schedule", schedule.description) }
            context["hasFeatures"] = !view.outputFeatures.isEmpty
            context["features"] = view.outputFeatures.map { feature in
                [
                    "name": feature.name, "type": feature.type.rawValue, "description": feature.description,
                    "statsHref": "/ui/stats/\(HTML.pathSegment(view.name))/\(HTML.pathSegment(feature.name))",
                ] as [String: Any]
            }
            if view.online {
                let runs = try await server.stores.runs(view: name, limit: Self.runsOnViewPage)
                context["hasRunsSection"] = true
                context["hasRuns"] = !runs.isEmpty
                context["runsHTML"] = runRows(runs, now: server.clock(), view: name)
                context["lookup"] = lookup(
                    features: view.outputFeatures.map { "\(view.name):\($0.name)" },
                    keys: definitions.joinKeys(of: view), service: nil)
            }
        case .featureServices:
            guard let service = definitions.featureService(name) else {
                throw notFound(kind, name, definitions.featureServices.map(\.name))
            }
            definition = service
            tags = service.tags
            context["description"] = service.description
            link("Feature views", Array(Set(service.features.map(\.view))).sorted(), .featureViews)
            fact("Features", service.features.map(\.description).joined(separator: ", "))
            if let monitoring = service.monitoring, let baseline = monitoring.baseline {
                facts.append([
                    "label": "Monitoring",
                    "links": [
                        ["text": "drift against \(baseline)", "href": "/ui/drift?service=\(HTML.pathSegment(name))"]
                    ],
                ])
            }
            var keys: [JoinKey] = []
            for reference in service.features {
                guard let view = definitions.featureView(reference.view) else { continue }
                for key in definitions.joinKeys(of: view) where !keys.contains(key) { keys.append(key) }
            }
            context["lookup"] = lookup(features: [], keys: keys, service: name)
        }
        context["facts"] = facts
        context["hasTags"] = !tags.isEmpty
        context["tags"] = tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        context["definition"] = (try? String(decoding: encoder.encode(definition), as: UTF8.self)) ?? ""
        return ("detail", context)
    }

    private func notFound(_ kind: Kind, _ name: String, _ names: [String]) -> UIProblem {
        UIProblem(
            status: .notFound,
            message:
                "no \(kind.singular) '\(name)' is registered.\(Suggestion.didYouMean(name, in: names)) See the list at /ui/\(kind.rawValue)."
        )
    }

    /// The lookup form's context and the equivalent `curl` and Python snippets.
    private func lookup(features: [String], keys: [JoinKey], service: String?) -> [String: Any] {
        let base = "http://\(server.configuration.host):\(server.configuration.port)"
        let entities = keys.map { key in
            "\"\(key.name)\": [\(key.valueType == .int64 ? "1001" : "\"KEY\"")]"
        }.joined(separator: ", ")
        let selection =
            service.map { "\"feature_service\": \"\($0)\"" }
            ?? "\"features\": [\(features.map { "\"\($0)\"" }.joined(separator: ", "))]"
        let body = "{\(selection), \"entities\": {\(entities)}}"
        let python = """
            import requests

            answer = requests.post("\(base)/get-online-features", json=\(body.replacingOccurrences(of: "true", with: "True")))
            print(answer.json())
            """
        return [
            "featureList": features.joined(separator: ","), "service": service ?? "",
            "keys": keys.map { ["name": $0.name, "type": $0.valueType.rawValue] },
            "curl": "curl -X POST \(base)/get-online-features -H 'Content-Type: application/json' \\\n  -d '\(body)'",
            "python": python,
        ]
    }

    // MARK: Lineage, stats and drift

    func lineage() -> (template: String, context: [String: Any]) {
        ("lineage", ["title": "Lineage", "svg": UISVG.lineage(server.state.current.snapshot.definitions)])
    }

    static let windows: [(value: String, label: String)] = [
        ("", "whole history"), ("1h", "last hour"), ("1d", "last day"), ("7d", "last 7 days"), ("30d", "last 30 days"),
    ]

    func stats(view: String, feature: String, window: String?) async throws -> (
        template: String, context: [String: Any]
    ) {
        var request = StatsRequest(reference: "\(view):\(feature)")
        if let window, !window.isEmpty {
            guard let span = TimeSpan(parsing: window), span > .zero, span <= DurationLimits.window else {
                throw UIProblem(
                    status: .badRequest,
                    message: "window '\(window)' is not a positive duration up to 366d; give e.g. 1d")
            }
            let range = try await server.monitoring.window(span)
            request.from = range.start
            request.to = range.end
        }
        let snapshot = server.state.current.snapshot
        let offlineRequest = request
        let report = try await server.monitoring.read { store in try store.stats(offlineRequest, snapshot: snapshot) }
        guard let stats = report.features.first else {
            throw UIProblem(status: .notFound, message: "no feature '\(feature)' in feature view '\(view)'")
        }
        var context: [String: Any] = [
            "title": "\(view):\(feature)", "view": view, "feature": feature, "type": stats.type.rawValue,
            "source": stats.source, "note": stats.note ?? "",
            "windows": Self.windows.map {
                ["value": $0.value, "label": $0.label, "selected": $0.value == (window ?? "")] as [String: Any]
            },
        ]
        if let start = stats.start, let end = stats.end, stats.buckets > 0 {
            context["range"] = "\(start.rfc3339) to \(end.rfc3339) (\(stats.buckets) buckets)"
        }
        var asServed = request
        asServed.source = .served
        let servedRequest = asServed
        var served: StatsReport.FeatureStats?
        do {
            served = try await server.monitoring.read { store in
                try store.stats(servedRequest, snapshot: snapshot)
            }.features.first
        } catch let error as FeatureStoreError where error.code == .notFound {
            // No feature service logs served values: nothing to overlay.
            context["servedNote"] = "none logged (a feature service with logging: records what it serves)."
        }
        let servedProfile = served?.profile
        if let served, servedProfile == nil, let note = served.note { context["servedNote"] = note }
        if let profile = stats.profile {
            var shown: [String: Any] = [
                "figures": UIStatsOverlay.rows(offline: profile, served: servedProfile),
                "histogram": UISVG.bars(Self.histogram(profile)),
            ]
            if let served, let servedProfile {
                shown["served"] = true
                shown["servedSource"] = served.source
                if let start = served.start, let end = served.end {
                    shown["servedRange"] = "\(start.rfc3339) to \(end.rfc3339)"
                }
                let bins = UIStatsOverlay.bins(offline: profile, served: servedProfile)
                if !bins.isEmpty { shown["histogram"] = UISVG.overlay(bins) }
            }
            context["profile"] = shown
        }
        return ("stats", context)
    }

    /// A density histogram between the reported quantiles (each bar: the share of values between
    /// two quantile points over its width), or the top values' shares.
    static func histogram(_ profile: ProfileSummary) -> [(label: String, value: Double)] {
        if let top = profile.top { return top.map { ($0.value, $0.share) } }
        guard let quantiles = profile.quantiles, let minimum = profile.minimum, let maximum = profile.maximum else {
            return []
        }
        var points: [(fraction: Double, value: Double)] = [(0, number(minimum))]
        for point in ProfileSummary.quantilePoints {
            if let value = quantiles[point.name] { points.append((point.fraction, number(value))) }
        }
        points.append((1, number(maximum)))
        var bars: [(label: String, value: Double)] = []
        for index in 1..<points.count {
            let width = points[index].value - points[index - 1].value
            let share = points[index].fraction - points[index - 1].fraction
            let label = "\(points[index - 1].value) to \(points[index].value): \(UISVG.percent(share))"
            bars.append((label, width > 0 ? share / width : 0))
        }
        return bars
    }

    static func number(_ value: SummaryNumber) -> Double {
        switch value {
        case .integer(let integer): Double(integer)
        case .double(let double): double
        case .time(let time): Double(time.microseconds)
        }
    }

    func drift(service: String?, baseline: String?) async throws -> (template: String, context: [String: Any]) {
        let definitions = server.state.current.snapshot.definitions
        guard let service, !service.isEmpty else {
            let monitored = definitions.featureServices.compactMap { service in
                service.monitoring?.baseline.map { ["name": service.name, "baseline": $0] }
            }
            return ("driftIndex", ["title": "Drift", "services": monitored])
        }
        let report = try await server.monitoring.drift(
            DriftRequest(service: service, baseline: baseline?.isEmpty == false ? baseline : nil))
        let features = report.features.sorted { ($0.psi ?? -1) > ($1.psi ?? -1) }.map { feature in
            [
                "view": feature.view, "feature": feature.feature, "status": feature.status.rawValue,
                "psi": feature.psi.map { String(format: "%.4f", $0) } ?? "-",
                "js": feature.jensenShannon.map { String(format: "%.4f", $0) } ?? "-",
                "baselineCount": "\(feature.baselineCount)", "windowCount": "\(feature.windowCount)",
                "nulls": [feature.baselineNullRatio, feature.windowNullRatio].map { $0.map(UISVG.percent) ?? "-" }
                    .joined(separator: " / "),
                "bars": UISVG.pairs(feature.bins ?? [], status: feature.status), "note": feature.note ?? "",
            ] as [String: Any]
        }
        let context: [String: Any] = [
            "title": "Drift of \(report.service)",
            "report": [
                "service": report.service, "baseline": report.baseline.name, "baselineRows": "\(report.baseline.rows)",
                "baselineSaved": report.baseline.createdAt.rfc3339, "windowStart": report.windowStart.rfc3339,
                "windowEnd": report.windowEnd.rfc3339, "warn": "\(report.thresholds.psiWarn)",
                "alert": "\(report.thresholds.psiAlert)", "features": features,
            ] as [String: Any],
        ]
        return ("drift", context)
    }
}
