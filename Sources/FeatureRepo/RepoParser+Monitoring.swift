import FeatureStoreCore

extension RepoParser {
    /// A feature service's `monitoring: { baseline: NAME, window: 1d, psi_warn: 0.1, psi_alert: 0.25 }`
    /// (every field optional), or `nil` when the service has none.
    func parseMonitoring(_ service: MappingReader, service name: String) -> MonitoringSettings? {
        guard let node = service.value("monitoring") else { return nil }
        guard
            let reader = MappingReader(
                node, file: service.file, what: "monitoring of feature service '\(name)'", collector: collector)
        else { return nil }
        var settings = MonitoringSettings()
        if let (baseline, position) = reader.string("baseline") {
            if MonitoringSettings.isValidBaselineName(baseline) {
                settings.baseline = baseline
            } else {
                reader.error(
                    position,
                    "baseline name '\(baseline)' of feature service '\(name)' must be 1 to 128 letters, digits, '_', '-' or '.', starting with a letter or digit (the NAME given to fs get-training-set --save-profile)"
                )
            }
        }
        if let (text, position) = reader.string("window") {
            let parsed = TimeSpan.parse(text)
            if case .success(let span) = parsed, span > .zero, span <= DurationLimits.window {
                settings.window = span
            } else {
                let problem =
                    if case .success(let span) = parsed, span > .zero {
                        "is longer than the supported maximum of \(DurationLimits.describe(DurationLimits.window)); use a window of at most that"
                    } else if case .failure(.tooLong) = parsed {
                        "is far longer than the supported maximum of \(DurationLimits.describe(DurationLimits.window)); use a window of at most that"
                    } else {
                        "is not a positive duration; write e.g. 1h, 1d or 7d"
                    }
                reader.error(position, "monitoring window '\(text)' of feature service '\(name)' \(problem)")
            }
        }
        let warn = threshold(reader, "psi_warn", service: name)
        let alert = threshold(reader, "psi_alert", service: name)
        if let warn { settings.psiWarn = warn }
        if let alert { settings.psiAlert = alert }
        if settings.psiWarn > settings.psiAlert {
            reader.error(
                reader.position(of: warn != nil ? "psi_warn" : "psi_alert"),
                "psi_warn (\(settings.psiWarn)) of feature service '\(name)' is above its psi_alert (\(settings.psiAlert)); a warning must come at or below the alert (defaults: 0.1 and 0.25)"
            )
        }
        reader.finish()
        return settings
    }

    /// A PSI threshold: a finite number above 0.
    private func threshold(_ reader: MappingReader, _ key: String, service: String) -> Double? {
        guard let (text, position) = reader.string(key) else { return nil }
        guard let value = Double(text), value.isFinite, value > 0 else {
            reader.error(
                position,
                "'\(key)' of the monitoring of feature service '\(service)' must be a number above 0, not '\(text)' (PSI 0.1 is a moderate shift, 0.25 a large one)"
            )
            return nil
        }
        return value
    }
}
