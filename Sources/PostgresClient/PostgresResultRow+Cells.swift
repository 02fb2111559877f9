import FeatureStoreCore
import NIOCore
import PostgresNIO

/// A cell of a result row by its storage: what fs's row readers see of PostgreSQL's types.
public enum PostgresCellValue: Sendable, Hashable {
    case null
    /// `bigint`, `integer`, `smallint`, `boolean` (0 or 1).
    case integer(Int64)
    /// `double precision`, `real`.
    case real(Double)
    /// `bytea`.
    case blob([UInt8])
    /// Any other type, as its text.
    case text(String)
}

extension PostgresResultRow {
    /// The name of a column, for messages.
    public func columnName(_ column: Int) -> String { cells[column].columnName }

    /// A cell decoded by its PostgreSQL type.
    public func value(_ column: Int) throws -> PostgresCellValue {
        let cell = cells[column]
        guard var bytes = cell.bytes else { return .null }
        // The common cells read straight from their bytes (binary format: big-endian, 8 bytes),
        // without postgres-nio's generic decoding: a history read decodes millions of them.
        if cell.format == .binary, bytes.readableBytes == 8 {
            switch cell.dataType {
            case .int8:
                if let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self) { return .integer(value) }
            case .float8:
                if let bits = bytes.getInteger(at: bytes.readerIndex, as: UInt64.self) {
                    return .real(Double(bitPattern: bits))
                }
            default:
                break
            }
        }
        switch cell.dataType {
        case .int8, .int4, .int2: return .integer(try int64(column))
        case .float8, .float4: return .real(try double(column))
        case .bool: return .integer(try bool(column) ? 1 : 0)
        case .bytea: return .blob(bytes.readBytes(length: bytes.readableBytes) ?? [])
        default: return .text(try text(column))
        }
    }
}
