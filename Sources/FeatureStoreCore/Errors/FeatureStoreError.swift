/// The error every fs library throws: a stable code, a message that says what went wrong and how
/// to fix it, and for repo problems the list of diagnostics with their file positions.
public struct FeatureStoreError: Error, Sendable, CustomStringConvertible {
    /// A stable category, safe to switch over; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidDefinitions = "invalid_definitions"
            case invalidArgument = "invalid_argument"
            case invalidInput = "invalid_input"
            case notFound = "not_found"
            case breakingChange = "breaking_change"
            case conflict
            case locked
            case storage
            case unavailable
            case io
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The feature repo has problems; see ``FeatureStoreError/diagnostics``.
        public static let invalidDefinitions = Code(.invalidDefinitions)
        /// A command or API argument is not valid.
        public static let invalidArgument = Code(.invalidArgument)
        /// Input data (a file, a spine, a request body) is not valid.
        public static let invalidInput = Code(.invalidInput)
        /// A named object (view, feature, source, service) does not exist.
        public static let notFound = Code(.notFound)
        /// The change would invalidate stored data and was not allowed.
        public static let breakingChange = Code(.breakingChange)
        /// The request conflicts with the current state.
        public static let conflict = Code(.conflict)
        /// Another process holds a lock this operation needs.
        public static let locked = Code(.locked)
        /// A store failed (SQLite or RocksDB reported an error).
        public static let storage = Code(.storage)
        /// A store on the network (Redis) cannot be reached or did not answer in time; retrying
        /// later may succeed.
        public static let unavailable = Code(.unavailable)
        /// A file could not be read or written.
        public static let io = Code(.io)

        public var description: String { wrapped.rawValue }
    }

    public var code: Code
    public var message: String
    public var diagnostics: [Diagnostic]

    public init(_ code: Code, _ message: String, diagnostics: [Diagnostic] = []) {
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
    }

    public var description: String {
        if diagnostics.isEmpty { return message }
        return ([message] + diagnostics.map(\.description)).joined(separator: "\n")
    }

    public static func invalidArgument(_ message: String) -> FeatureStoreError { .init(.invalidArgument, message) }
    public static func invalidInput(_ message: String) -> FeatureStoreError { .init(.invalidInput, message) }
    public static func notFound(_ message: String) -> FeatureStoreError { .init(.notFound, message) }
    public static func storage(_ message: String) -> FeatureStoreError { .init(.storage, message) }
    public static func io(_ message: String) -> FeatureStoreError { .init(.io, message) }
}
