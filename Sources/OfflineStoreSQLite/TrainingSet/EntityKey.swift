import FeatureStoreCore

/// An entity's join key values, hashable: a bare integer for the common single int64 key, or else
/// a canonical byte encoding of every part (type tag, then 8 bytes or a length and the bytes).
enum EntityKey: Hashable {
    case int(Int64)
    case bytes([UInt8])
}

/// Builds ``EntityKey``s of one view's join key types from spine fields or history rows.
struct EntityKeyBuilder {
    let types: [ValueType]

    var isSingleInteger: Bool { types.count == 1 && types[0] != .string && types[0] != .bytes && types[0] != .float64 }

    /// The key of a history row whose key columns start at `first`; nil when a part is null.
    ///
    /// - Throws: ``FeatureStoreError`` naming `origin` and the column of an int64 part that is not
    ///   a whole number (a `sqlite` source read in place may hold anything), or of a null part
    ///   when `origin` requires keys.
    func key(from statement: some RowCursor, first: Int32, origin: SourceOrigin) throws -> EntityKey? {
        if isSingleInteger {
            if statement.isNull(first) {
                if let error = origin.missing(statement, first, "entity key") { throw error }
                return nil
            }
            return .int(try SourceValues.int64(statement, first, origin: origin))
        }
        var bytes: [UInt8] = []
        for (offset, type) in types.enumerated() {
            let column = first + Int32(offset)
            if statement.isNull(column) {
                if let error = origin.missing(statement, column, "entity key") { throw error }
                return nil
            }
            switch type {
            case .int64, .bool, .timestamp:
                append(try SourceValues.int64(statement, column, origin: origin), type, to: &bytes)
            case .float64: append(Int64(bitPattern: statement.double(column).bitPattern), type, to: &bytes)
            case .string:
                try SourceValues.withText(statement, column, origin: origin) {
                    append(UnsafeRawBufferPointer($0), type, to: &bytes)
                }
            case .bytes: statement.withBlobBytes(column) { append($0, type, to: &bytes) }
            }
        }
        return .bytes(bytes)
    }

    /// Why a spine value cannot be a key part.
    struct Problem: Error {
        var part: Int
        var text: String
    }

    /// The key of a spine row from its key fields; nil when a part is empty (such a row matches
    /// nothing).
    ///
    /// - Throws: ``Problem`` when a part is not a value of its type.
    func key(
        from fields: UnsafeBufferPointer<FieldRef>, columns: [Int], in buffer: UnsafeBufferPointer<UInt8>,
        scratch: inout [UInt8]
    ) throws(Problem) -> EntityKey? {
        if isSingleInteger {
            let field = fields[columns[0]]
            if field.isEmpty { return nil }
            let type = types[0]
            guard let value = field.withText(in: buffer, scratch: &scratch, { Self.integer($0, type) }) else {
                throw Problem(part: 0, text: field.string(in: buffer) ?? "")
            }
            return .int(value)
        }
        var bytes: [UInt8] = []
        for (part, type) in types.enumerated() {
            let field = fields[columns[part]]
            if field.isEmpty { return nil }
            let ok: Bool = field.withText(in: buffer, scratch: &scratch) { text in
                switch type {
                case .int64, .bool, .timestamp:
                    guard let value = Self.integer(text, type) else { return false }
                    append(value, type, to: &bytes)
                case .float64:
                    guard let value = ValueParsing.double(text) else { return false }
                    append(Int64(bitPattern: value.bitPattern), type, to: &bytes)
                case .string:
                    append(UnsafeRawBufferPointer(text), type, to: &bytes)
                case .bytes:
                    guard let decoded = decodeBase64(String(decoding: text, as: UTF8.self)) else { return false }
                    decoded.withUnsafeBytes { append($0, type, to: &bytes) }
                }
                return true
            }
            if !ok { throw Problem(part: part, text: field.string(in: buffer) ?? "") }
        }
        return .bytes(bytes)
    }

    /// An int64, bool or timestamp key part as the integer SQLite stores.
    private static func integer(_ text: UnsafeBufferPointer<UInt8>, _ type: ValueType) -> Int64? {
        switch type {
        case .bool: ValueParsing.bool(text).map { $0 ? 1 : 0 }
        case .timestamp: ValueParsing.timestamp(text, format: .iso8601)
        default: ValueParsing.int64(text)
        }
    }

    private func append(_ value: Int64, _ type: ValueType, to bytes: inout [UInt8]) {
        bytes.append(tag(type))
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private func append(_ raw: UnsafeRawBufferPointer, _ type: ValueType, to bytes: inout [UInt8]) {
        bytes.append(tag(type))
        withUnsafeBytes(of: UInt32(raw.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: raw)
    }

    private func tag(_ type: ValueType) -> UInt8 {
        UInt8(ValueType.allCases.firstIndex(of: type) ?? 0)
    }
}
