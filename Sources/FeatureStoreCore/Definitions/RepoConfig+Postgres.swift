/// Where a PostgreSQL store lives: `registry: {type: postgres, dsn, password_env}` or
/// `offline_store: {type: postgres, dsn, schema, password_env}` in `feature_store.yaml`.
///
/// The password is never part of the settings: `password_env` names the environment variable that
/// holds it, read only when connecting (``password(environment:)``), so no error, log line or
/// `fs describe` output can show it.
public struct PostgresSettings: Hashable, Sendable, Codable {
    /// `sslmode` of the DSN: `disable` (the default), `prefer` or `require`.
    public enum TLSMode: String, Hashable, Sendable, Codable, CaseIterable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// The schema fs keeps its tables in (created on first use).
    public var schema: String
    /// The environment variable holding the password; `nil` when the server needs none (trust,
    /// peer, or a `.pgpass` that fs does not read).
    public var passwordEnv: String?
    public var tlsMode: TLSMode
    /// Seconds to wait for a connection (`connect_timeout` of the DSN), 10 by default.
    public var connectTimeoutSeconds: Int
    /// Seconds a statement may run before the server cancels it (`statement_timeout` of the DSN,
    /// PostgreSQL's setting of that name for fs's sessions), 300 by default; 0 for no limit.
    public var statementTimeoutSeconds: Int

    public static let defaultPort = 5432
    public static let defaultSchema = "public"
    public static let defaultConnectTimeoutSeconds = 10
    public static let defaultStatementTimeoutSeconds = 300

    public init(
        host: String, port: Int = PostgresSettings.defaultPort, user: String, database: String,
        schema: String = PostgresSettings.defaultSchema, passwordEnv: String? = nil, tlsMode: TLSMode = .disable,
        connectTimeoutSeconds: Int = PostgresSettings.defaultConnectTimeoutSeconds,
        statementTimeoutSeconds: Int = PostgresSettings.defaultStatementTimeoutSeconds
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.schema = schema
        self.passwordEnv = passwordEnv
        self.tlsMode = tlsMode
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeoutSeconds = statementTimeoutSeconds
    }

    /// The DSN as fs shows it (never with a password): `postgresql://user@host:port/database`.
    public var displayDSN: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// Where the tables are, for messages: the DSN and the schema.
    public var location: String { "\(displayDSN) (schema \(schema))" }

    /// The password from the environment, or `nil` when no `password_env` is set.
    ///
    /// - Throws: `invalidArgument` naming the variable (never a value) when it is not set.
    public func password(environment: [String: String], field: String) throws -> String? {
        guard let passwordEnv else { return nil }
        guard let value = environment[passwordEnv] else {
            throw FeatureStoreError.invalidArgument(
                "the environment variable \(passwordEnv) (password_env of \(field) in feature_store.yaml) is not set; export it with the password of user '\(user)' for \(displayDSN)"
            )
        }
        return value
    }
}

extension PostgresSettings {
    /// Reads `postgresql://user@host[:port]/database[?sslmode=...&connect_timeout=...&statement_timeout=...]` (or
    /// `postgres://`). A password in the DSN is refused (it belongs in `password_env`); the
    /// message never repeats it.
    ///
    /// - Returns: the settings, or a message saying what is wrong and how to write it.
    public static func parse(dsn: String, schema: String = defaultSchema, passwordEnv: String? = nil) -> Result<
        PostgresSettings, DSNError
    > {
        let example = "write it as postgresql://user@127.0.0.1:5432/database"
        var rest = Substring(dsn)
        guard let scheme = ["postgresql://", "postgres://"].first(where: { rest.hasPrefix($0) }) else {
            return .failure(DSNError("the dsn must start with postgresql:// (\(example))"))
        }
        rest = rest.dropFirst(scheme.count)
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            return .failure(DSNError("the dsn names no database (\(example))"))
        }
        let database = String(rest[rest.index(after: slash)...])
        let authority = rest[..<slash]
        guard let at = authority.lastIndex(of: "@") else {
            return .failure(DSNError("the dsn names no user (\(example))"))
        }
        let userInfo = authority[..<at]
        if userInfo.contains(":") {
            return .failure(
                DSNError(
                    "the dsn holds a password; remove it from the dsn and name the environment variable that holds it with password_env (\(example))"
                ))
        }
        guard let user = percentDecoded(userInfo), !user.isEmpty else {
            return .failure(DSNError("the dsn names no user (\(example))"))
        }
        guard let name = percentDecoded(database), !name.isEmpty, !name.contains("/") else {
            return .failure(DSNError("the dsn names no database (\(example))"))
        }
        var hostPart = authority[authority.index(after: at)...]
        var port = defaultPort
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else {
                return .failure(DSNError("the dsn's host '\(hostPart)' has no closing ']' (\(example))"))
            }
            let after = hostPart[hostPart.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let given = Int(after.dropFirst()), (1...65535).contains(given) else {
                    return .failure(DSNError("the dsn's port '\(after.dropFirst())' is not a port from 1 to 65535"))
                }
                port = given
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.firstIndex(of: ":") {
            let text = hostPart[hostPart.index(after: colon)...]
            guard let given = Int(text), (1...65535).contains(given) else {
                return .failure(DSNError("the dsn's port '\(text)' is not a port from 1 to 65535"))
            }
            port = given
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else {
            return .failure(
                DSNError("the dsn names no host (fs connects over TCP, not a unix socket; \(example))"))
        }
        var settings = PostgresSettings(
            host: String(hostPart), port: port, user: user, database: name, schema: schema, passwordEnv: passwordEnv)
        for option in query.split(separator: "&") {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count == 2 ? String(parts[1]) : ""
            switch key {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    return .failure(
                        DSNError("sslmode '\(value)' of the dsn is not supported; use disable, prefer or require"))
                }
                settings.tlsMode = mode
            case "connect_timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    return .failure(
                        DSNError(
                            "connect_timeout '\(value)' of the dsn must be a whole number of seconds from 1 to 3600"))
                }
                settings.connectTimeoutSeconds = seconds
            case "statement_timeout":
                guard let seconds = Int(value), (0...86_400).contains(seconds) else {
                    return .failure(
                        DSNError(
                            "statement_timeout '\(value)' of the dsn must be a whole number of seconds from 0 (no limit) to 86400"
                        ))
                }
                settings.statementTimeoutSeconds = seconds
            case "password":
                return .failure(
                    DSNError(
                        "the dsn holds a password option; remove it and name the environment variable that holds the password with password_env"
                    ))
            default:
                return .failure(
                    DSNError(
                        "option '\(key)' of the dsn is not supported by fs; use only sslmode, connect_timeout and statement_timeout"
                    ))
            }
        }
        return .success(settings)
    }

    /// `%41` to `A`; `nil` for a broken escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// What is wrong with a DSN (never quoting a password).
    public struct DSNError: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Whether `name` can be a schema fs creates and names unquoted: a letter or '_' then letters,
    /// digits and '_', at most 63 bytes, all lower case (PostgreSQL folds unquoted names).
    public static func isSchemaName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 63 else { return false }
        func lowerOrUnderscore(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || c == "_" }
        return lowerOrUnderscore(first)
            && name.unicodeScalars.allSatisfy { lowerOrUnderscore($0) || ("0"..."9").contains($0) }
    }
}
