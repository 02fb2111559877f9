/// A named, typed column.
public struct Field: Codable, Hashable, Sendable {
    public var name: String
    public var type: ValueType

    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }
}

/// Where a source's rows come from.
public enum SourceKind: String, Codable, Sendable, CaseIterable {
    /// A CSV file with a header row, ingested with `fs ingest`.
    case csv
    /// A JSON Lines file, one object per row, ingested with `fs ingest`.
    case jsonl
    /// A table or a SELECT in the offline database, read in place.
    case sqlite
    /// A table (or view) or a SELECT in the PostgreSQL offline store's database, read in place.
    case postgres
    /// Rows pushed to the feature server (`POST /push`).
    case push
    /// A feature service's served-vector log (`logging:`) with the outcomes posted for its
    /// requests, read in place.
    case servedLog = "served_log"
}

/// A source of raw rows with event timestamps: the input of feature views.
public struct Source: Codable, Hashable, Sendable {
    public var name: String
    public var kind: SourceKind
    /// For `csv` and `jsonl`: the file, relative to the repo.
    public var path: String?
    /// For `sqlite`: an existing table in the offline database; for `postgres`: an existing table
    /// or view of the PostgreSQL offline store's database, `name` or `schema.name`.
    public var table: String?
    /// For `sqlite` and `postgres`: a SELECT over the offline database.
    public var query: String?
    /// For `served_log`: the feature service whose log this is.
    public var service: String?
    public var timestampField: String
    public var createdTimestampField: String?
    /// Raw column name to the name feature views use.
    public var fieldMapping: [String: String]
    /// The raw columns (before `fieldMapping`), in the order declared.
    public var schema: [Field]
    public var timestampFormat: TimestampFormat
    /// Columns (mapped names) that identify an event: rows with the same values there are one
    /// event, the later created time winning. Empty: every row is its own event.
    public var dedupeOn: [String]
    public var description: String
    public var tags: [String: String]

    public init(
        name: String, kind: SourceKind, path: String? = nil, table: String? = nil, query: String? = nil,
        service: String? = nil, timestampField: String, createdTimestampField: String? = nil,
        fieldMapping: [String: String] = [:],
        schema: [Field], timestampFormat: TimestampFormat = .iso8601, dedupeOn: [String] = [],
        description: String = "", tags: [String: String] = [:]
    ) {
        self.name = name
        self.kind = kind
        self.path = path
        self.table = table
        self.query = query
        self.service = service
        self.timestampField = timestampField
        self.createdTimestampField = createdTimestampField
        self.fieldMapping = fieldMapping
        self.schema = schema
        self.timestampFormat = timestampFormat
        self.dedupeOn = dedupeOn
        self.description = description
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, path, table, query, service
        case timestampField = "timestamp_field"
        case createdTimestampField = "created_timestamp_field"
        case fieldMapping = "field_mapping"
        case schema
        case timestampFormat = "timestamp_format"
        case dedupeOn = "dedupe_on"
        case description, tags
    }

    /// Decodes a registered source; `dedupe_on` may be absent (sources registered before it existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(SourceKind.self, forKey: .kind)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        table = try container.decodeIfPresent(String.self, forKey: .table)
        query = try container.decodeIfPresent(String.self, forKey: .query)
        service = try container.decodeIfPresent(String.self, forKey: .service)
        timestampField = try container.decode(String.self, forKey: .timestampField)
        createdTimestampField = try container.decodeIfPresent(String.self, forKey: .createdTimestampField)
        fieldMapping = try container.decode([String: String].self, forKey: .fieldMapping)
        schema = try container.decode([Field].self, forKey: .schema)
        timestampFormat = try container.decode(TimestampFormat.self, forKey: .timestampFormat)
        dedupeOn = try container.decodeIfPresent([String].self, forKey: .dedupeOn) ?? []
        description = try container.decode(String.self, forKey: .description)
        tags = try container.decode([String: String].self, forKey: .tags)
    }

    /// Whether the source's rows are read where they are (`sqlite`, `postgres`, `served_log`)
    /// rather than from a history table that ingests and pushes fill.
    public var readsInPlace: Bool { kind == .sqlite || kind == .postgres || kind == .servedLog }

    /// The name feature views use for a raw column.
    public func mappedName(_ raw: String) -> String { fieldMapping[raw] ?? raw }

    /// The value columns as feature views see them (mapped names), without the two timestamp fields.
    public var columns: [Field] {
        schema.compactMap { field in
            let name = mappedName(field.name)
            if name == timestampField || name == createdTimestampField { return nil }
            return Field(name: name, type: field.type)
        }
    }

    /// The type of the column named `name` (mapped), if the source has one.
    public func column(_ name: String) -> Field? { columns.first { $0.name == name } }
}
