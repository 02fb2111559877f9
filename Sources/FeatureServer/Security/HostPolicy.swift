import Foundation

/// Which `Host` headers the server answers to, against DNS rebinding: a web page whose name an
/// attacker points at 127.0.0.1 reaches the server with its own name in `Host`, so names are
/// refused unless they are the bound name, a configured one (`allowed_hosts`), `localhost` or, on
/// a wildcard bind, this machine's name. IP addresses are always accepted: a page cannot be
/// served from an address an attacker does not own.
struct HostPolicy: Sendable {
    /// Lowercased names accepted besides IP addresses and `localhost`.
    let names: Set<String>

    /// - Parameters:
    ///   - boundHost: `--host`; when it is a name it is accepted, when a wildcard address
    ///     (`0.0.0.0`, `::`) this machine's host name is.
    ///   - allowedHosts: `allowed_hosts` from `feature_store.yaml`.
    init(boundHost: String, allowedHosts: [String]) {
        var names = Set(allowedHosts.map { $0.lowercased() })
        let bound = Self.normalized(boundHost)
        if !Self.isIPAddress(bound) { names.insert(bound) }
        if bound == "0.0.0.0" || bound == "::", let machine = Self.machineName() { names.insert(machine) }
        self.names = names
    }

    /// Whether a request with this `Host` header is answered (no header: yes; browsers always send one).
    func allows(_ header: String?) -> Bool {
        guard let header else { return true }
        // The common case without allocating: `127.0.0.1:6566`.
        if Self.isIPv4WithPort(header.utf8) { return true }
        let host = Self.normalized(Self.stripPort(header))
        if host.isEmpty { return false }
        if Self.isIPAddress(host) || host == "localhost" || host.hasSuffix(".localhost") { return true }
        return names.contains(host)
    }

    /// A dotted quad, optionally with `:port`.
    static func isIPv4WithPort(_ utf8: String.UTF8View) -> Bool {
        var parts = 0
        var digits = 0
        var value = 0
        var inPort = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                if !inPort, digits > 3 || value > 255 { return false }
                if inPort, digits > 5 { return false }
            case UInt8(ascii: "."):
                guard !inPort, digits > 0 else { return false }
                parts += 1
                digits = 0
                value = 0
            case UInt8(ascii: ":"):
                guard !inPort, digits > 0, parts == 3 else { return false }
                inPort = true
                parts += 1
                digits = 0
                value = 0
            default:
                return false
            }
        }
        return digits > 0 && (inPort ? parts == 4 : parts == 3)
    }

    /// `[::1]:6566` → `[::1]`, `name:6566` → `name`.
    static func stripPort(_ header: String) -> Substring {
        let text = Substring(header.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return text }
            return text[...close]
        }
        if let colon = text.lastIndex(of: ":"), text[text.index(after: colon)...].allSatisfy(\.isNumber) {
            return text[..<colon]
        }
        return text
    }

    /// Lowercased, without IPv6 brackets or a trailing dot.
    static func normalized(_ host: some StringProtocol) -> String {
        var text = host.lowercased()
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// An IPv4 dotted quad or an IPv6 address.
    static func isIPAddress(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4,
            parts.allSatisfy({ part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber)
                    && Int(part).map { $0 <= 255 } == true
            })
        {
            return true
        }
        return host.contains(":") && host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }

    /// This machine's host name, lowercased.
    static func machineName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? nil : name.lowercased()
    }
}
