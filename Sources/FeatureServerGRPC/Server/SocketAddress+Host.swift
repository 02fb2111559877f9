import FeatureStoreKit
import GRPCNIOTransportHTTP2Posix
import NIOCore

extension GRPCNIOTransportCore.SocketAddress {
    /// The address to listen on for `--host` (an IP address or a name, resolved as HTTP resolves
    /// it) and `port`.
    ///
    /// - Throws: `invalidArgument` naming the host when it does not resolve.
    static func listening(host: String, port: Int) throws -> Self {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let resolved: NIOCore.SocketAddress
        do {
            resolved = try NIOCore.SocketAddress.makeAddressResolvingHost(bare, port: port)
        } catch {
            throw FeatureStoreError.invalidArgument(
                "cannot listen for gRPC on host '\(host)': it does not resolve to an address (\(error)); give an IP address such as 127.0.0.1"
            )
        }
        switch resolved {
        case .v6: return .ipv6(host: resolved.ipAddress ?? bare, port: port)
        default: return .ipv4(host: resolved.ipAddress ?? bare, port: port)
        }
    }

    /// `host:port` (`[host]:port` for IPv6), the form gRPC clients take as a target.
    var target: String {
        if let ipv4 { return "\(ipv4.host):\(ipv4.port)" }
        if let ipv6 { return "[\(ipv6.host)]:\(ipv6.port)" }
        return description
    }
}
