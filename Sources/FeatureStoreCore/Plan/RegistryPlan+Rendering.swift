/// The text `fs plan` and `fs apply` print.
extension RegistryPlan {
    /// One line per object and one per changed field, then a summary line.
    public func rendered(verb: String = "Plan") -> String {
        if changes.isEmpty { return "No changes. The registry matches the feature repo." }
        var lines: [String] = []
        for change in changes {
            let mark =
                switch change.action {
                case .add: "+"
                case .change: "~"
                case .remove: "-"
                }
            var line = "\(mark) \(change.id.kind.rawValue) \(change.id.name)"
            if change.action == .remove, let reason = change.breaking { line += "  [BREAKING: \(reason)]" }
            lines.append(line)
            guard change.action == .change else { continue }
            for field in change.fields {
                var text = "    ~ \(field.path): \(field.old ?? "(none)") -> \(field.new ?? "(none)")"
                if let reason = field.breaking { text += "  [BREAKING: \(reason)]" }
                if let note = field.note { text += "  [\(note)]" }
                lines.append(text)
            }
        }
        let count = { (action: Action) in changes.filter { $0.action == action }.count }
        var summary = "\(verb): \(count(.add)) to add, \(count(.change)) to change, \(count(.remove)) to remove"
        let breaking = breakingChanges.count
        if breaking > 0 { summary += " (\(breaking) breaking)" }
        lines.append(summary + ".")
        return lines.joined(separator: "\n")
    }
}
