extension FeatureValue {
    /// Whether two values are the same value, exactly: the same type and the same contents, a
    /// double compared as stored (no tolerance: `0.1 + 0.2` is not `0.3`), two NaNs the same, and
    /// `-0.0` the same as `0.0` (IEEE equality; SQLite stores both as `0.0`). Null is the same as
    /// null only. This is what `fs consistency` counts as a served value agreeing with the offline
    /// one.
    public func isSameValue(as other: FeatureValue) -> Bool {
        if case .float64(let a) = self, case .float64(let b) = other { return a == b || (a.isNaN && b.isNaN) }
        return self == other
    }
}
