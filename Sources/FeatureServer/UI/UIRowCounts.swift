import FeatureStoreKit
import Foundation
import Synchronization

/// Rows online per snapshot view for the overview, counted in the background so that the page
/// never waits for a count (a count scans the view's keys: its cost grows with the rows).
///
/// A page asks ``counts(for:now:)``: it gets the figures of the last finished count, and starts
/// a new count on a queue of its own (never Swift's cooperative pool) when none runs and the last
/// one is older than ``refreshInterval`` (or ten times its own duration, for stores so large that
/// counting takes long). The page marks the figures `≈` and says when they were counted.
final class UIRowCounts: Sendable {
    struct Counts: Sendable {
        /// Rows per view (snapshot views of the counted snapshot; aggregate views are not counted).
        var rows: [String: Int] = [:]
        var countedAt: Timestamp?
        var seconds: Double = 0
        var failure: String?
    }

    static let refreshInterval = 60.0

    private struct State {
        var counts = Counts()
        var running = false
        var finished = ContinuousClock.Instant.now
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "fs.ui.row-counts", qos: .utility)
    private let onlineStore: any OnlineStoreBackend

    init(onlineStore: any OnlineStoreBackend) { self.onlineStore = onlineStore }

    /// The last finished count; starts a new one in the background when due.
    func counts(for snapshot: RegistrySnapshot, now: @escaping @Sendable () -> Timestamp) -> Counts {
        let (counts, start) = state.withLock { state -> (Counts, Bool) in
            let age = (ContinuousClock.now - state.finished) / .seconds(1)
            let due =
                state.counts.countedAt == nil || age >= max(Self.refreshInterval, state.counts.seconds * 10)
            let start = !state.running && due
            if start { state.running = true }
            return (state.counts, start)
        }
        if start { queue.async { self.count(snapshot, now: now) } }
        return counts
    }

    private func count(_ snapshot: RegistrySnapshot, now: @Sendable () -> Timestamp) {
        let began = ContinuousClock.now
        var counts = Counts()
        do {
            for view in snapshot.definitions.featureViews where view.online && !view.isAggregate {
                counts.rows[view.name] = try onlineStore.rowCount(in: OnlineTable(view, in: snapshot))
            }
        } catch {
            counts.failure = "\(error)"
        }
        counts.countedAt = now()
        counts.seconds = (ContinuousClock.now - began) / .seconds(1)
        state.withLock { state in
            state.counts = counts
            state.running = false
            state.finished = .now
        }
    }
}
