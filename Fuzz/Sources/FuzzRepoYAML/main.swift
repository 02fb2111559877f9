import FeatureStoreKit
import Foundation
import FuzzSupport

/// The feature repo loader on any text: the input is split at NUL bytes into definition files
/// (`f0.yaml`, `f1.yaml`, ...), parsed and validated together as `fs validate` does.
///
/// Properties: a rejected repo is an `invalidDefinitions` error whose every diagnostic names one
/// of the files and a line inside it; an accepted repo keeps every duration within its limit,
/// round-trips through the registry's JSON, plans no change against itself, and its online layouts
/// and window decompositions compute without trapping, each window reading at most 75 tiles.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRepoYAML(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    withInput(start, count) { input in
        let parts = input.split(separator: 0, omittingEmptySubsequences: false)
        let files = parts.enumerated().map {
            (name: "f\($0.offset).yaml", text: String(decoding: $0.element, as: UTF8.self))
        }
        let definitions: RepoDefinitions
        do {
            definitions = try RepoLoader.parse(files: files)
        } catch let error as FeatureStoreError {
            checkRejection(error, files: files)
            return
        } catch {
            require(false, "a rejected repo throws \(error), not a FeatureStoreError")
            return
        }
        checkAccepted(definitions)
    }
    return 0
}

private func checkRejection(_ error: FeatureStoreError, files: [(name: String, text: String)]) {
    require(error.code == .invalidDefinitions, "a rejected repo is \(error.code), not invalidDefinitions: \(error)")
    require(!error.diagnostics.isEmpty, "a rejected repo has no diagnostic: \(error)")
    for diagnostic in error.diagnostics {
        guard let file = files.first(where: { $0.name == diagnostic.file }) else {
            require(false, "a diagnostic names a file that was not given: \(diagnostic)")
            return
        }
        // libyaml may point just past the last line (at the end of the input), and counts lines as
        // YAML 1.1 does: CR LF, CR, LF, NEL, LS and PS each end one (a lone CR is a line break).
        let lines = yamlLineBreaks(in: file.text) + 2
        require(
            diagnostic.line >= 0 && diagnostic.line <= lines, "a diagnostic's line is outside its file: \(diagnostic)")
        require(diagnostic.column >= 0, "a diagnostic's column is negative: \(diagnostic)")
        require(!diagnostic.message.isEmpty, "a diagnostic says nothing: \(diagnostic)")
    }
}

/// Line breaks as YAML 1.1 (libyaml) counts them.
private func yamlLineBreaks(in text: String) -> Int {
    var count = 0
    var afterCR = false
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\r": count += 1
        case "\n" where !afterCR, "\u{85}", "\u{2028}", "\u{2029}": count += 1
        default: break
        }
        afterCR = scalar == "\r"
    }
    return count
}

private func checkAccepted(_ definitions: RepoDefinitions) {
    for view in definitions.featureViews {
        require(
            view.ttl >= .zero && view.ttl <= DurationLimits.ttl, "view '\(view.name)' was accepted with ttl \(view.ttl)"
        )
        require(
            view.lateness >= .zero && view.lateness <= DurationLimits.lateness,
            "view '\(view.name)' was accepted with lateness \(view.lateness)")
        if let schedule = view.schedule {
            require(
                schedule.interval >= DurationLimits.minimumScheduleInterval
                    && schedule.interval <= DurationLimits.scheduleInterval,
                "view '\(view.name)' was accepted with schedule \(schedule)")
        }
        for aggregation in view.aggregations {
            require(
                aggregation.window > .zero && aggregation.window <= DurationLimits.window,
                "aggregation '\(aggregation.name)' of '\(view.name)' was accepted with window \(aggregation.window)")
            for end in [
                Timestamp.earliestValid + aggregation.window, Timestamp(microseconds: 1_234_567_891), .latestValid,
            ] {
                let decomposition = TileLevels.decompose(.ending(at: end, length: aggregation.window))
                require(
                    decomposition.tiles.count <= 75 && decomposition.edges.count <= 2,
                    "window \(aggregation.window) ending at \(end) reads \(decomposition.tiles.count) tiles and \(decomposition.edges.count) edges"
                )
            }
        }
        if view.isAggregate { _ = AggregateLayout(view: view, generation: 1) }
    }
    for source in definitions.sources {
        _ = HistoryTable(source: source, generation: 1, definitions: definitions)
    }
    for service in definitions.featureServices {
        _ = try? OnlineReadPlan(references: service.features, definitions: definitions, fullFeatureNames: true)
    }
    require(
        RegistryPlan(from: definitions, to: definitions).changes.isEmpty,
        "an accepted repo plans changes against itself: \(RegistryPlan(from: definitions, to: definitions).rendered())")
    _ = RegistryPlan(from: RepoDefinitions(), to: definitions).rendered()
    checkRegistryRoundTrip(definitions)
}

/// The registry stores each object as sorted-key JSON and reads it back with a plain decoder.
private func checkRegistryRoundTrip(_ definitions: RepoDefinitions) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    func roundTrip<T: Codable & Equatable>(_ value: T, _ what: String) {
        do {
            let text = String(decoding: try encoder.encode(value), as: UTF8.self)
            let back = try JSONDecoder().decode(T.self, from: Data(text.utf8))
            require(back == value, "\(what) reads back from the registry as \(back), not \(value)")
        } catch {
            require(false, "\(what) does not round-trip through the registry's JSON: \(error)")
        }
    }
    for entity in definitions.entities { roundTrip(entity, "entity '\(entity.name)'") }
    for source in definitions.sources { roundTrip(source, "source '\(source.name)'") }
    for view in definitions.featureViews { roundTrip(view, "feature view '\(view.name)'") }
    for service in definitions.featureServices { roundTrip(service, "feature service '\(service.name)'") }
}
