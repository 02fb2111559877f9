/// A feature service's `monitoring:` block: which baseline `fs drift` compares the service's
/// features with, over which window, and where PSI warns and alerts.
///
/// ```yaml
/// monitoring: { baseline: ranking_v3, window: 1d, psi_warn: 0.1, psi_alert: 0.25 }
/// ```
public struct MonitoringSettings: Codable, Hashable, Sendable {
    /// The baseline saved by `fs get-training-set --save-profile NAME` (the command line may name another).
    public var baseline: String?
    /// How far back from now the compared window reaches.
    public var window: TimeSpan
    /// PSI at or above this warns.
    public var psiWarn: Double
    /// PSI at or above this alerts.
    public var psiAlert: Double

    public static let defaultWindow = TimeSpan.days(1)
    public static let defaultPSIWarn = 0.1
    public static let defaultPSIAlert = 0.25

    public init(
        baseline: String? = nil, window: TimeSpan = MonitoringSettings.defaultWindow,
        psiWarn: Double = MonitoringSettings.defaultPSIWarn, psiAlert: Double = MonitoringSettings.defaultPSIAlert
    ) {
        self.baseline = baseline
        self.window = window
        self.psiWarn = psiWarn
        self.psiAlert = psiAlert
    }

    enum CodingKeys: String, CodingKey {
        case baseline, window
        case psiWarn = "psi_warn"
        case psiAlert = "psi_alert"
    }

    /// Whether `name` can name a baseline: 1 to 128 ASCII letters, digits, `_`, `-` and `.`,
    /// starting with a letter or a digit.
    public static func isValidBaselineName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 128, first.isASCII,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0))
        }
    }
}
