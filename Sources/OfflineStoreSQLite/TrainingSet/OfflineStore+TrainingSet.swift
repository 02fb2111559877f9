import Dispatch
import FeatureProfiles
import FeatureStoreCore
import Foundation
import SQLite

extension OfflineStore {
    /// Builds a training set (see ``TrainingSetRun/build(reader:inReadTransaction:spine:spineFormat:views:output:outputFormat:profile:)``)
    /// from this database's history, read in one read transaction.
    public func trainingSet(
        spine spinePath: String, spineFormat: TabularFormat, views: [TrainingSetView], output: String,
        outputFormat: TabularFormat, profile: Bool = false
    ) throws -> TrainingSetResult {
        try TrainingSetRun.build(
            reader: reader, inReadTransaction: readTransaction, spine: spinePath, spineFormat: spineFormat,
            views: views, output: output, outputFormat: outputFormat, profile: profile)
    }

    /// Runs `body` (the computers' loads) in one read transaction, SQLite errors made storage errors.
    func readTransaction(_ body: () throws -> Void) throws {
        try storage { try database.transaction(immediate: false) { try body() } }
    }
}

/// The training-set path over any backend: the spine, the computers (one point-in-time and
/// window implementation for every backend) and the atomic output.
package enum TrainingSetRun {
    /// Builds a training set: every row of the spine, in order, with the requested features as
    /// of the row's `event_timestamp`, written to `output`.
    ///
    /// - Parameters:
    ///   - spinePath: a CSV or JSON Lines file with the join keys of every view and an
    ///     `event_timestamp` column; other columns pass through.
    ///   - views: the features to add, per view (see ``PointInTimeLookup`` for the semantics).
    ///   - output: the file to write (replaced atomically), or `-` for standard output.
    ///   - profile: also profile every feature column as written (``TrainingSetResult/profiles``).
    /// - Throws: ``FeatureStoreError``: `invalidInput` naming the spine's line for a missing
    ///   column or a bad value; `invalidArgument` for an output name that is also a spine column,
    ///   or a view of a kind not supported yet; `io`; `storage`.
    ///   - reader: the backend's history.
    ///   - inReadTransaction: runs the loads in one consistent read of the backend (and turns its
    ///     errors into ``FeatureStoreError``s).
    package static func build<Reader: HistoryReader>(
        reader: Reader, inReadTransaction: (() throws -> Void) throws -> Void, spine spinePath: String,
        spineFormat: TabularFormat, views: [TrainingSetView], output: String, outputFormat: TabularFormat,
        profile: Bool = false
    ) throws -> TrainingSetResult {
        let started = ContinuousClock.now
        var timer = PhaseTimer("training set")
        let computers = try views.map(reader.makeComputer(for:))
        // Read the spine on another thread while the views' history loads on this one.
        let spineSlot = WorkerSlots<Result<Spine, any Error>>(count: 1)
        let reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) {
            spineSlot.store(Result { try Spine(path: spinePath, format: spineFormat) }, at: 0)
        }
        let loading = Result { try inReadTransaction { for computer in computers { try computer.load() } } }
        reading.wait()
        let spine = try spineSlot.take(0).get()
        try loading.get()
        timer.mark("read spine, load history")
        for view in views {
            for key in view.joinKeys where spine.column(key.name) == nil {
                throw FeatureStoreError.invalidInput(
                    "\(spinePath):1: the spine has no column '\(key.name)', the join key of feature view '\(view.view.name)'; add it. The spine has \(Suggestion.list(spine.columns)).\(Suggestion.didYouMean(key.name, in: spine.columns))"
                )
            }
            for name in view.outputNames where spine.columns.contains(name) {
                throw FeatureStoreError.invalidArgument(
                    "the feature column '\(name)' would collide with the spine column of the same name; rename the spine column or use --full-feature-names"
                )
            }
        }
        let computed = try computers.map { try $0.compute(spine: spine) }
        timer.mark("compute features")
        var numeric = Set<Int>()
        for view in views {
            for key in view.joinKeys where key.valueType.isNumeric { numeric.insert(spine.column(key.name)!) }
        }
        let writer = TrainingSetWriter(
            format: outputFormat, spine: spine, computed: computed, numericSpineColumns: numeric)
        try writeAtomically(output) { try writer.write(to: &$0) }
        timer.mark("write output")
        var matched: [String: Int] = [:]
        for (view, part) in zip(views, computed) { matched[view.view.name] = part.matched }
        var profiles: [ProfiledFeature: FeatureProfile] = [:]
        if profile {
            for (view, part) in zip(views, computed) { profiles.merge(part.profiles(of: view)) { $1 } }
        }
        return TrainingSetResult(
            rows: spine.rowCount, columns: writer.columnNames, matched: matched, seconds: started.secondsSince,
            profiles: profiles)
    }

    /// Runs `body` with a buffer writing to `path` (`-` for standard output). A file appears only
    /// when `body` succeeds: it is written under a temporary name, flushed to disk, renamed, and
    /// the rename is flushed too, so a crash leaves the old file or the whole new one.
    private static func writeAtomically(_ path: String, _ body: (inout OutputBuffer) throws -> Void) throws {
        if path == "-" {
            var output = OutputBuffer(descriptor: 1, path: "standard output")
            try body(&output)
            return
        }
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw FeatureStoreError.io(
                "cannot create \(path): \(String(cString: strerror(errno))); check the directory")
        }
        do {
            var output = OutputBuffer(descriptor: descriptor, path: path)
            try body(&output)
            guard fsync(descriptor) == 0 else {
                throw FeatureStoreError.io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FeatureStoreError.io("cannot write \(path): \(reason)")
        }
        let parent = (path as NSString).deletingLastPathComponent
        let folder = open(parent.isEmpty ? "." : parent, O_RDONLY)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}
