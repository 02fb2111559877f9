import FeatureStoreCore
import Foundation
import OfflineStoreSQLite
import Synchronization

/// A fresh temporary directory with an offline store in it, deleted when the test process exits
/// (not when the value goes: a test may keep only the store it opened there).
struct TestDirectory {
    let path: String

    init(_ label: String = "offline") {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-\(label)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        Self.created.withLock { created in
            if created.isEmpty {
                atexit {
                    for path in TestDirectory.created.withLock({ $0 }) {
                        try? FileManager.default.removeItem(atPath: path)
                    }
                }
            }
            created.append(path)
        }
    }

    /// Every directory made so far, for the exit handler.
    static let created = Mutex<[String]>([])

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }

    func store() throws -> OfflineStore { try OfflineStore(path: file("offline.db")) }
}

/// A small RFC 4180 CSV parser for checking outputs (independent of the one under test).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" {
                    field.append("\"")
                    chars = chars.dropFirst()
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field)
            field = ""
        } else if c == "\n" {
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        } else if c != "\r" {
            field.append(c)
        }
    }
    if !field.isEmpty || !row.isEmpty {
        row.append(field)
        rows.append(row)
    }
    return rows
}

/// Quotes a CSV field when it needs it.
func csvField(_ text: String) -> String {
    if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) {
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return text
}
