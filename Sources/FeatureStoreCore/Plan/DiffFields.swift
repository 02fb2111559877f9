/// Each definition flattened to `path: value` pairs, the unit `fs plan` compares and prints.
///
/// Lists of named things (features, schema columns, aggregations) are keyed by name, so
/// reordering them is no change and a diff names the feature that changed.
protocol DiffFields {
    var diffFields: [String: String] { get }
}

private func tagFields(_ tags: [String: String]) -> [String: String] {
    Dictionary(uniqueKeysWithValues: tags.map { ("tags.\($0.key)", $0.value) })
}

extension Entity: DiffFields {
    var diffFields: [String: String] {
        var fields = tagFields(tags)
        fields["join_keys"] = joinKeys.map { "\($0.name): \($0.valueType.rawValue)" }.joined(separator: ", ")
        if !description.isEmpty { fields["description"] = description }
        return fields
    }
}

extension Source: DiffFields {
    var diffFields: [String: String] {
        var fields = tagFields(tags)
        fields["kind"] = kind.rawValue
        fields["path"] = path
        fields["table"] = table
        fields["query"] = query
        fields["service"] = service
        fields["timestamp_field"] = timestampField
        fields["created_timestamp_field"] = createdTimestampField
        fields["timestamp_format"] = timestampFormat.rawValue
        for field in schema { fields["schema.\(field.name)"] = field.type.rawValue }
        for (raw, mapped) in fieldMapping { fields["field_mapping.\(raw)"] = mapped }
        if !dedupeOn.isEmpty { fields["dedupe_on"] = dedupeOn.joined(separator: ", ") }
        if !description.isEmpty { fields["description"] = description }
        return fields
    }
}

extension FeatureView: DiffFields {
    var diffFields: [String: String] {
        var fields = tagFields(tags)
        fields["entities"] = entities.joined(separator: ", ")
        fields["source"] = source
        fields["ttl"] = ttl.description
        fields["online"] = online ? "true" : "false"
        for feature in features {
            fields["features.\(feature.name)"] = feature.type.rawValue
            if !feature.description.isEmpty { fields["features.\(feature.name).description"] = feature.description }
        }
        for aggregation in aggregations {
            fields["aggregations.\(aggregation.name)"] =
                "\(aggregation.function.rawValue)(\(aggregation.column)) over \(aggregation.window)"
        }
        if isAggregate { fields["lateness"] = lateness.description }
        fields["schedule"] = schedule?.description
        if !description.isEmpty { fields["description"] = description }
        if !owner.isEmpty { fields["owner"] = owner }
        return fields
    }
}

extension FeatureService: DiffFields {
    var diffFields: [String: String] {
        var fields = tagFields(tags)
        fields["features"] = features.map(\.description).joined(separator: ", ")
        if !description.isEmpty { fields["description"] = description }
        if let monitoring {
            fields["monitoring.baseline"] = monitoring.baseline
            fields["monitoring.window"] = monitoring.window.description
            fields["monitoring.psi_warn"] = "\(monitoring.psiWarn)"
            fields["monitoring.psi_alert"] = "\(monitoring.psiAlert)"
        }
        if let logging {
            fields["logging.sample_rate"] = "\(logging.sampleRate)"
            fields["logging.sample_by"] = logging.sampleBy.rawValue
            fields["logging.retention"] = logging.retention?.description
        }
        return fields
    }
}
