import FeatureStoreCore
import Yams

/// A place in a repo file.
struct Position: Hashable, Sendable {
    var file: String
    var line: Int
    var column: Int

    init(file: String, mark: Mark?) {
        self.file = file
        self.line = mark?.line ?? 0
        self.column = mark?.column ?? 0
    }

    func diagnostic(_ message: String) -> Diagnostic {
        Diagnostic(file: file, line: line, column: column, message: message)
    }
}

/// Where a definition and each of its fields were written, for messages found after parsing.
struct DefinitionSite: Sendable {
    var position: Position
    /// Field path (`source`, `features.conv_rate.type`, `entities.0`) to where its value is.
    var fields: [String: Position] = [:]
    /// For feature views: whether each feature's type was written (else it comes from the source).
    var typesGiven: [String: Bool] = [:]

    func position(of path: String) -> Position { fields[path] ?? position }
}

/// Collects every problem, so a user sees all of them at once.
final class DiagnosticCollector {
    private(set) var diagnostics: [Diagnostic] = []

    func error(_ position: Position, _ message: String) {
        diagnostics.append(position.diagnostic(message))
    }

    func error(file: String, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: 0, column: 0, message: message))
    }

    var isEmpty: Bool { diagnostics.isEmpty }
}
