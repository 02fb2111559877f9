import FeatureStoreCore

extension RepoParser {
    /// A feature service's `logging: { sample_rate: 0.1, sample_by: key | request, retention: 90d }`
    /// (every field optional: every request is logged and kept by default), or `nil` when the
    /// service has none.
    func parseLogging(_ service: MappingReader, service name: String) -> LoggingSettings? {
        guard let node = service.value("logging") else { return nil }
        guard
            let reader = MappingReader(
                node, file: service.file, what: "logging of feature service '\(name)'", collector: collector)
        else { return nil }
        var settings = LoggingSettings()
        if let (text, position) = reader.string("sample_rate") {
            if let rate = Double(text), LoggingSettings.isValidSampleRate(rate) {
                settings.sampleRate = rate
            } else {
                reader.error(
                    position,
                    "'sample_rate' of the logging of feature service '\(name)' must be a number above 0 and at most 1, not '\(text)' (0.1 logs one lookup in ten; remove the logging block to log nothing)"
                )
            }
        }
        if let (text, position) = reader.string("sample_by") {
            if let by = LoggingSettings.SampleBy(rawValue: text) {
                settings.sampleBy = by
            } else {
                let names = LoggingSettings.SampleBy.allCases.map(\.rawValue)
                reader.error(
                    position,
                    "'sample_by' of the logging of feature service '\(name)' must be key (every lookup of a sampled entity) or request (each lookup at random), not '\(text)'.\(Suggestion.didYouMean(text, in: names))"
                )
            }
        }
        if let (text, position) = reader.string("retention") {
            if case .success(let span) = TimeSpan.parse(text), span >= .days(1) {
                settings.retention = span
            } else {
                reader.error(
                    position,
                    "'retention' of the logging of feature service '\(name)' must be a duration of at least 1d, not '\(text)' (logs are pruned by whole days; e.g. 90d)"
                )
            }
        }
        reader.finish()
        return settings
    }
}
