import FeatureStoreKit
import Synchronization

/// The materialization watermarks as last read, by view, for `/metrics` to render without reading
/// the registry: refreshed after every materialization in the server and after a registry reload
/// (nothing else moves them while the server holds the online store).
public final class WatermarkCache: Sendable {
    private let marks = Mutex<[String: Watermark]>([:])

    public init() {}

    public var current: [String: Watermark] { marks.withLock { $0 } }

    func replace(with new: [String: Watermark]) { marks.withLock { $0 = new } }
}
