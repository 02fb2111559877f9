import FeatureStoreKit
import Synchronization

/// What a lookup needs, swapped as a whole when the registry changes: no per-request registry cost.
public struct ReadState: Sendable {
    public var version: Int64
    public var snapshot: RegistrySnapshot
    public var reader: OnlineReader
    /// Views by source name, for the write paths.
    public var viewsBySource: [String: [FeatureView]]
    /// Resolved lookup plans for this snapshot.
    let plans = PlanCache()
    /// The most feature references and entity columns a valid lookup has (``LookupLimits``).
    let referenceLimit: Int
    let keyColumnLimit: Int

    public init(snapshot: RegistrySnapshot, store: any OnlineStoreBackend) {
        self.version = snapshot.version
        self.snapshot = snapshot
        self.reader = OnlineReader(snapshot: snapshot, store: store)
        self.viewsBySource = Dictionary(grouping: snapshot.definitions.featureViews, by: \.source)
        self.referenceLimit = LookupLimits.references(in: snapshot.definitions)
        self.keyColumnLimit = LookupLimits.keyColumns(in: snapshot.definitions)
    }
}

/// The current ``ReadState`` behind a mutex held only for the copy.
public final class ServerState: Sendable {
    private let state: Mutex<ReadState>
    /// Held while a state is swapped in, and by work that must not see one swapped in meanwhile.
    private let swaps = Mutex(())

    public init(_ initial: ReadState) { state = Mutex(initial) }

    /// The state lookups use now.
    public var current: ReadState { state.withLock { $0 } }

    /// Replaces the state (the registry watcher calls this).
    public func replace(with new: ReadState) {
        swaps.withLock { _ in state.withLock { $0 = new } }
    }

    /// Runs `body` with the current state, no new state being swapped in until it returns
    /// (lookups are not held up: they read ``current`` without this lock).
    func withSwapsHeld<T>(_ body: (ReadState) throws -> T) rethrows -> T {
        try swaps.withLock { _ in try body(current) }
    }
}
