import FeatureStoreCore
import Yams

/// Turns the YAML text of definition files into definitions and the places they were written.
///
/// Parsing checks each definition on its own (field names, types, durations); ``RepoValidator``
/// then checks the references between them.
struct RepoParser {
    let collector: DiagnosticCollector
    var entities: [(Entity, DefinitionSite)] = []
    var sources: [(Source, DefinitionSite)] = []
    var featureViews: [(FeatureView, DefinitionSite)] = []
    var featureServices: [(FeatureService, DefinitionSite)] = []

    init(collector: DiagnosticCollector) { self.collector = collector }

    /// Parses one file's text; `file` is the name messages use.
    mutating func parse(file: String, text: String) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            collector.error(Self.position(of: error, file: file), "invalid YAML: \(Self.problem(of: error))")
            return
        } catch {
            collector.error(file: file, "invalid YAML: \(error)")
            return
        }
        guard let root else { return }  // An empty file declares nothing.
        guard let top = MappingReader(root, file: file, what: "the file", collector: collector) else { return }
        for item in top.sequence(ObjectKind.entity.section) { parseEntity(item, file: file) }
        for item in top.sequence(ObjectKind.source.section) { parseSource(item, file: file) }
        for item in top.sequence(ObjectKind.featureView.section) { parseFeatureView(item, file: file) }
        for item in top.sequence(ObjectKind.featureService.section) { parseFeatureService(item, file: file) }
        top.finish()
    }

    /// Opens a list item as a named definition: reads its `name` and makes its site.
    private func open(_ node: Node, file: String, kind: String) -> (MappingReader, String, DefinitionSite)? {
        guard let reader = MappingReader(node, file: file, what: "a \(kind)", collector: collector) else { return nil }
        guard let (name, namePosition) = reader.string("name", required: true) else { return nil }
        if !Self.isIdentifier(name) {
            collector.error(
                namePosition,
                "\(kind) name '\(name)' must start with a letter or '_' and hold only letters, digits and '_'")
        }
        let named = MappingReader(node, file: file, what: "\(kind) '\(name)'", collector: collector)!
        _ = named.value("name")
        var site = DefinitionSite(position: namePosition)
        site.fields["name"] = namePosition
        return (named, name, site)
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic, first.isASCII
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }

    mutating func parseEntity(_ node: Node, file: String) {
        guard let (reader, name, site) = open(node, file: file, kind: "entity") else { return }
        var site2 = site
        let sharedType = reader.valueType("value_type", required: false, allowed: [.int64, .string])
        var keys: [JoinKey] = []
        let items = reader.sequence("join_keys", required: true)
        if items.isEmpty, reader.has("join_keys") {
            reader.error(reader.position(of: "join_keys"), "entity '\(name)' needs at least one join key")
        }
        for item in items {
            if case .scalar(let scalar) = item {
                let position = Position(file: file, mark: item.mark)
                guard let type = sharedType else {
                    reader.error(
                        position,
                        "join key '\(scalar.string)' of entity '\(name)' has no type; add `value_type: int64` (or string) to the entity, or write the key as `{name: \(scalar.string), value_type: int64}`"
                    )
                    continue
                }
                keys.append(JoinKey(name: scalar.string, valueType: type))
                site2.fields["join_keys.\(scalar.string)"] = position
            } else if let keyReader = MappingReader(
                item, file: file, what: "a join key of entity '\(name)'", collector: collector)
            {
                let keyName = keyReader.string("name", required: true)
                let type =
                    keyReader.valueType("value_type", required: sharedType == nil, allowed: [.int64, .string])
                    ?? sharedType
                keyReader.finish()
                if let keyName, let type {
                    keys.append(JoinKey(name: keyName.value, valueType: type))
                    site2.fields["join_keys.\(keyName.value)"] = keyName.position
                }
            }
        }
        let entity = Entity(
            name: name, joinKeys: keys, description: reader.string("description")?.value ?? "",
            tags: reader.stringMap("tags"))
        reader.finish()
        entities.append((entity, site2))
    }

    mutating func parseSource(_ node: Node, file: String) {
        guard let (reader, name, baseSite) = open(node, file: file, kind: "source") else { return }
        var site = baseSite
        var kind: SourceKind?
        if let (text, position) = reader.string("kind", required: true) {
            kind = SourceKind(rawValue: text)
            site.fields["kind"] = position
            if kind == nil {
                let names = SourceKind.allCases.map(\.rawValue)
                reader.error(
                    position,
                    "unknown source kind '\(text)'; use one of \(names.joined(separator: ", ")).\(Suggestion.didYouMean(text, in: names))"
                )
            }
        }
        let path = reader.string("path")
        let table = reader.string("table")
        let query = reader.string("query")
        let service = reader.string("service")
        let timestampField = reader.string("timestamp_field", required: kind != .servedLog)
        let createdField = reader.string("created_timestamp_field")
        var format = TimestampFormat.iso8601
        if let (text, position) = reader.string("timestamp_format") {
            if let parsed = TimestampFormat(rawValue: text) {
                format = parsed
            } else {
                reader.error(
                    position,
                    "unknown timestamp_format '\(text)'; use one of \(TimestampFormat.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        for (key, value) in [
            ("path", path), ("table", table), ("query", query), ("service", service),
            ("timestamp_field", timestampField),
            ("created_timestamp_field", createdField),
        ] {
            if let value { site.fields[key] = value.position }
        }
        switch kind {
        case .csv?, .jsonl?:
            if path == nil {
                reader.error(
                    reader.position,
                    "source '\(name)' of kind \(kind!.rawValue) needs a 'path' to its file, relative to the repo")
            }
        case .sqlite?:
            if (table == nil) == (query == nil) {
                reader.error(
                    reader.position,
                    "source '\(name)' of kind sqlite needs exactly one of 'table' (an existing table in the offline database) or 'query' (a SELECT)"
                )
            }
        case .postgres?:
            checkPostgresFields(reader, source: name, table: table, query: query)
        case .servedLog?:
            checkServedLogFields(reader, source: name, service: service, timestampField: timestampField)
        default: break
        }
        if let service, kind != .servedLog, kind != nil {
            reader.error(
                service.position,
                "'service' is only for sources of kind served_log (the served log of a feature service); remove it from source '\(name)'"
            )
        }
        let schema = parseSchema(reader, sourceName: name, site: &site, required: kind != .servedLog)
        var dedupeOn: [String] = []
        for item in reader.sequence("dedupe_on") {
            guard let column = item.string, !column.isEmpty else {
                reader.error(
                    Position(file: file, mark: item.mark),
                    "dedupe_on of source '\(name)' must list column names (for example [event_id])")
                continue
            }
            site.fields["dedupe_on.\(column)"] = Position(file: file, mark: item.mark)
            dedupeOn.append(column)
        }
        let source = Source(
            name: name, kind: kind ?? .push, path: path?.value, table: table?.value, query: query?.value,
            service: service?.value,
            timestampField: kind == .servedLog ? ServedLogColumns.logTimestamp : timestampField?.value ?? "",
            createdTimestampField: createdField?.value, fieldMapping: reader.stringMap("field_mapping"),
            schema: schema, timestampFormat: kind == .servedLog ? .epochMicroseconds : format,
            dedupeOn: dedupeOn, description: reader.string("description")?.value ?? "", tags: reader.stringMap("tags"))
        reader.finish()
        sources.append((source, site))
    }

    /// `schema` as a mapping (`driver_id: int64`) or a list of `{name, type}`.
    private func parseSchema(
        _ reader: MappingReader, sourceName: String, site: inout DefinitionSite, required: Bool = true
    ) -> [Field] {
        guard let node = reader.value("schema") else {
            guard required else { return [] }
            reader.error(
                reader.position,
                "source '\(sourceName)' is missing required field 'schema' (its columns and their types)")
            return []
        }
        var fields: [Field] = []
        func add(_ name: String, _ typeText: String, _ namePosition: Position, _ typePosition: Position) {
            let what = "column '\(name)' of source '\(sourceName)'"
            guard let type = MappingReader.valueType(typeText, at: typePosition, what: what, collector: collector)
            else { return }
            if fields.contains(where: { $0.name == name }) {
                collector.error(
                    namePosition, "column '\(name)' is declared twice in the schema of source '\(sourceName)'")
                return
            }
            fields.append(Field(name: name, type: type))
            site.fields["schema.\(name)"] = namePosition
        }
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                add(
                    key.string ?? "", value.string ?? "", Position(file: reader.file, mark: key.mark),
                    Position(file: reader.file, mark: value.mark))
            }
        case .sequence(let sequence):
            for item in sequence {
                guard
                    let column = MappingReader(
                        item, file: reader.file, what: "a column of source '\(sourceName)'", collector: collector),
                    let (name, namePosition) = column.string("name", required: true),
                    let (type, typePosition) = column.string("type", required: true)
                else { continue }
                column.finish()
                add(name, type, namePosition, typePosition)
            }
        default:
            reader.error(
                reader.position(of: "schema"),
                "'schema' of source '\(sourceName)' must map column names to types, e.g. `driver_id: int64`")
        }
        return fields
    }

    mutating func parseFeatureView(_ node: Node, file: String) {
        guard let (reader, name, baseSite) = open(node, file: file, kind: "feature view") else { return }
        var site = baseSite
        var entityNames: [String] = []
        for (index, item) in reader.sequence("entities", required: true).enumerated() {
            guard let text = item.string else {
                reader.error(
                    Position(file: file, mark: item.mark), "entities of feature view '\(name)' must be entity names")
                continue
            }
            entityNames.append(text)
            site.fields["entities.\(index)"] = Position(file: file, mark: item.mark)
        }
        let source = reader.string("source", required: true)
        if let source { site.fields["source"] = source.position }
        var features: [Feature] = []
        var featureTypesGiven: [String: Bool] = [:]
        if let node = reader.value("features") {
            func add(
                _ name: String, _ type: ValueType?, _ description: String, _ position: Position,
                _ typePosition: Position?
            ) {
                features.append(Feature(name: name, type: type ?? .string, description: description))
                featureTypesGiven[name] = type != nil
                site.fields["features.\(name)"] = position
                if let typePosition { site.fields["features.\(name).type"] = typePosition }
            }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    let typePosition = Position(file: file, mark: value.mark)
                    let type = MappingReader.valueType(
                        value.string ?? "", at: typePosition, what: "feature '\(key.string ?? "")'",
                        collector: collector)
                    if type != nil {
                        add(key.string ?? "", type, "", Position(file: file, mark: key.mark), typePosition)
                    }
                }
            case .sequence(let sequence):
                for item in sequence {
                    if let text = item.string {
                        add(text, nil, "", Position(file: file, mark: item.mark), nil)
                        continue
                    }
                    guard
                        let featureReader = MappingReader(
                            item, file: file, what: "a feature of view '\(name)'", collector: collector),
                        let (featureName, position) = featureReader.string("name", required: true)
                    else { continue }
                    let typeField = featureReader.string("type")
                    var type: ValueType?
                    if let typeField {
                        type = MappingReader.valueType(
                            typeField.value, at: typeField.position, what: "feature '\(featureName)' of view '\(name)'",
                            collector: collector)
                        if type == nil {
                            _ = featureReader.string("description")
                            featureReader.finish()
                            continue
                        }
                    }
                    let description = featureReader.string("description")?.value ?? ""
                    featureReader.finish()
                    add(featureName, type, description, position, typeField?.position)
                }
            default:
                reader.error(
                    reader.position(of: "features"),
                    "'features' of feature view '\(name)' must be a list of `{name, type}`")
            }
        }
        var aggregations: [Aggregation] = []
        for (index, item) in reader.sequence("aggregations").enumerated() {
            guard
                let aggReader = MappingReader(
                    item, file: file, what: "an aggregation of view '\(name)'", collector: collector)
            else { continue }
            let column = aggReader.string("column", required: true)
            let function = aggReader.string("function", required: true)
            let window = aggReader.string("window", required: true)
            let aggName = aggReader.string("name")
            aggReader.finish()
            guard let column, let function, let window else { continue }
            guard let parsedFunction = AggregationFunction(rawValue: function.value) else {
                let names = AggregationFunction.allCases.map(\.rawValue)
                collector.error(
                    function.position,
                    "unknown aggregation function '\(function.value)'; use one of \(AggregationFunction.allNames).\(Suggestion.didYouMean(function.value, in: names))"
                )
                continue
            }
            let parsed = TimeSpan.parse(window.value)
            guard case .success(let span) = parsed, span > .zero, span <= DurationLimits.window else {
                let problem =
                    if case .success = parsed {
                        "is longer than the supported maximum of \(DurationLimits.describe(DurationLimits.window))"
                    } else if case .failure(.tooLong) = parsed {
                        "is far longer than the supported maximum of \(DurationLimits.describe(DurationLimits.window))"
                    } else {
                        "is not a positive duration; write e.g. 1h, 1d, 7d or 1h30m"
                    }
                let hint = problem.hasPrefix("is not") ? "" : "; use a window of at most that"
                collector.error(window.position, "window '\(window.value)' of view '\(name)' \(problem)\(hint)")
                continue
            }
            let outputName = aggName?.value ?? "\(column.value)_\(parsedFunction.rawValue)_\(span)"
            aggregations.append(
                Aggregation(
                    column: column.value, function: parsedFunction, window: span, name: outputName, inputType: .float64)
            )
            site.fields["aggregations.\(index)"] = aggName?.position ?? column.position
            site.fields["aggregations.\(index).column"] = column.position
            site.fields["aggregations.\(index).function"] = function.position
        }
        if !reader.has("features") && !reader.has("aggregations") {
            reader.error(
                reader.position,
                "feature view '\(name)' declares no features; add 'features' (snapshot values) or 'aggregations' (windowed aggregates)"
            )
        } else if !features.isEmpty && !aggregations.isEmpty {
            reader.error(
                reader.position(of: "aggregations"),
                "feature view '\(name)' declares both 'features' and 'aggregations'; split it into two views")
        }
        var schedule: Schedule?
        if let (text, position) = reader.string("schedule") {
            schedule = Schedule(parsing: text)
            if let interval = schedule?.interval,
                interval < DurationLimits.minimumScheduleInterval || interval > DurationLimits.scheduleInterval
            {
                reader.error(
                    position,
                    "schedule '\(text)' of view '\(name)' is outside the supported range; write an interval from \(DurationLimits.minimumScheduleInterval) to \(DurationLimits.describe(DurationLimits.scheduleInterval)), e.g. `every 5m`"
                )
                schedule = nil
            } else if schedule == nil {
                reader.error(position, "schedule '\(text)' is not valid; write `every` and a duration, e.g. `every 5m`")
            }
        }
        let ttl = boundedDuration(
            reader, "ttl", of: name, maximum: DurationLimits.ttl, hint: "use `ttl: 0` for values that never expire")
        let lateness = boundedDuration(
            reader, "lateness", of: name, maximum: DurationLimits.lateness,
            hint: "events arriving later than that still reach the offline history")
        let view = FeatureView(
            name: name, entities: entityNames, source: source?.value ?? "", ttl: ttl ?? .zero,
            online: reader.bool("online") ?? true, features: features, aggregations: aggregations,
            lateness: lateness ?? FeatureView.defaultLateness, schedule: schedule,
            description: reader.string("description")?.value ?? "", owner: reader.string("owner")?.value ?? "",
            tags: reader.stringMap("tags"))
        site.typesGiven = featureTypesGiven
        reader.finish()
        featureViews.append((view, site))
    }

    /// A duration field of a feature view, at most `maximum` (the limits of ``DurationLimits``).
    private func boundedDuration(
        _ reader: MappingReader, _ key: String, of view: String, maximum: TimeSpan, hint: String
    ) -> TimeSpan? {
        guard case .scalar(let scalar) = reader.value(key) else { return reader.duration(key) }
        let tooLong = {
            reader.error(
                reader.position(of: key),
                "'\(key)' of feature view '\(view)' is \(scalar.string), longer than the supported maximum of \(DurationLimits.describe(maximum)); \(hint)"
            )
        }
        if case .failure(.tooLong) = TimeSpan.parse(scalar.string) {
            tooLong()
            return nil
        }
        guard let span = reader.duration(key) else { return nil }
        guard span <= maximum else {
            tooLong()
            return nil
        }
        return span
    }

    mutating func parseFeatureService(_ node: Node, file: String) {
        guard let (reader, name, baseSite) = open(node, file: file, kind: "feature service") else { return }
        var site = baseSite
        var references: [FeatureReference] = []
        for item in reader.sequence("features", required: true) {
            let position = Position(file: file, mark: item.mark)
            guard let text = item.string, let reference = FeatureReference(parsing: text) else {
                collector.error(
                    position,
                    "feature service '\(name)' lists '\(item.string ?? "a non-string")'; write features as `view:feature` or `view:*`"
                )
                continue
            }
            site.fields["features.\(references.count)"] = position
            references.append(reference)
        }
        let service = FeatureService(
            name: name, features: references, description: reader.string("description")?.value ?? "",
            tags: reader.stringMap("tags"), monitoring: parseMonitoring(reader, service: name),
            logging: parseLogging(reader, service: name))
        reader.finish()
        featureServices.append((service, site))
    }

    static func position(of error: YamlError, file: String) -> Position {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return Position(file: file, mark: mark)
        default:
            return Position(file: file, mark: nil)
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        default:
            return "\(error)"
        }
    }
}
