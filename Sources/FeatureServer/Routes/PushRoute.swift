import FeatureStoreKit
import Hummingbird

extension FeatureServer {
    /// `POST /push` and `POST /write-to-online-store`.
    func addWriteRoutes(to router: Router<BasicRequestContext>) {
        router.post("/push") { request, _ in try await self.push(request) }
        router.post("/write-to-online-store") { request, _ in try await self.writeToOnlineStore(request) }
    }

    /// Validates every row first (a rejected request writes nothing), then appends to the offline
    /// history (one transaction), writes the online rows of every online snapshot view over the
    /// source (monotonic: an older row never replaces a newer one) and adds the events to the online
    /// state of every aggregate view over it (events too late for it are counted in /metrics).
    func push(_ request: Request) async throws -> Response {
        let body = try await json(of: request)
        let current = state.current
        let push = try PushRequest(body, definitions: current.snapshot.definitions, maxRows: configuration.maxEntities)
        try push.rows.checkEventTimes(
            EventTimeLimit(now: clock(), skew: stores.config.futureSkew), column: push.source.timestampField)
        let snapshot = current.snapshot
        let views = (current.viewsBySource[push.source.name] ?? []).filter { $0.online && !$0.isAggregate }
        let aggregateViews = (current.viewsBySource[push.source.name] ?? []).filter { $0.online && $0.isAggregate }
        // Build and check everything before writing anything.
        let aggregateStore = stores.onlineStore.aggregates
        if push.destination.writesOnline, let view = aggregateViews.first, aggregateStore == nil {
            throw FeatureStoreError.invalidArgument(
                "feature view '\(view.name)' over source '\(push.source.name)' is a windowed aggregate, which the online store (\(stores.onlineStore.location)) cannot hold; nothing was written"
            )
        }
        let onlineWrites =
            push.destination.writesOnline
            ? views.map { view in
                (
                    table: OnlineTable(view, in: snapshot),
                    entries: push.rows.onlineEntries(of: view, joinKeys: snapshot.definitions.joinKeys(of: view))
                )
            } : []
        var appended: AppendResult?
        if push.destination.writesOffline {
            let table = HistoryTable(
                source: push.source, generation: snapshot.generation(ofSource: push.source.name),
                definitions: snapshot.definitions)
            let rows = push.rows.historyRows(for: table, hasCreated: push.source.createdTimestampField != nil)
            appended = try await stores.appendOffline(rows, to: table)
        }
        var written: [(String, Int)] = []
        for write in onlineWrites {
            let count = try await stores.onlineStore.write(write.entries, to: write.table)
            metrics.recordOnlineWrites(view: write.table.view, rows: count)
            written.append((write.table.view, count))
        }
        if let appended, appended.replaced > 0, let first = appended.sequences.min(), !onlineWrites.isEmpty {
            // Corrections that moved an event earlier or to another entity: monotonic writes kept
            // the version they replaced online.
            _ = try await stores.takeBackReplacedVersions(views: views, snapshot: snapshot, arrivedAfter: first - 1)
        }
        if push.destination.writesOnline, let aggregateStore {
            // Aggregate views: the events join their online state (tiles and edge events).
            let now = clock()
            let identities = push.rows.eventIdentities(of: push.source, appended: appended, now: now)
            for view in aggregateViews {
                let layout = AggregateLayout(view: view, generation: snapshot.generation(ofView: view.name))
                let events = push.rows.aggregateEvents(
                    for: layout, joinKeys: snapshot.definitions.joinKeys(of: view), identities: identities)
                let summary = try await aggregateStore.addEvents(events, layout: layout, now: now)
                metrics.recordOnlineWrites(view: view.name, rows: summary.applied)
                if summary.late > 0 { metrics.recordLateEvents(view: view.name, events: summary.late) }
                written.append((view.name, summary.applied))
            }
        }
        metrics.recordPush(source: push.source.name, to: push.destination.rawValue, rows: push.rows.count)
        var out = Array(#"{"rows":"#.utf8) + Array(String(push.rows.count).utf8)
        out += Array(#","offline_inserted":"#.utf8) + Array(String(appended?.inserted ?? 0).utf8)
        out += Array(#","offline_replaced":"#.utf8) + Array(String(appended?.replaced ?? 0).utf8)
        out += Array(#","offline_duplicates":"#.utf8) + Array(String(appended?.duplicates ?? 0).utf8)
        out += Array(#","online_written":{"#.utf8)
        for (index, (view, count)) in written.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.append(view, to: &out)
            out.append(UInt8(ascii: ":"))
            out += Array(String(count).utf8)
        }
        out += Array("}}".utf8)
        return Response.json(out)
    }

    /// Writes rows of one view straight into the online store (Feast's `remote` online store).
    func writeToOnlineStore(_ request: Request) async throws -> Response {
        let body = try await json(of: request)
        let current = state.current
        let write = try OnlineWriteRequest(
            body, definitions: current.snapshot.definitions, maxRows: configuration.maxEntities)
        try write.rows.checkEventTimes(
            EventTimeLimit(now: clock(), skew: stores.config.futureSkew), column: "event_timestamp")
        let count = try await stores.onlineStore.write(
            write.rows.onlineEntries(of: write.view, joinKeys: write.joinKeys),
            to: OnlineTable(write.view, in: current.snapshot))
        metrics.recordOnlineWrites(view: write.view.name, rows: count)
        return Response.json(Array(#"{"rows":\#(write.rows.count),"written":\#(count)}"#.utf8))
    }
}
