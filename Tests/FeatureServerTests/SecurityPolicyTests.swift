import FeatureStoreKit
import Testing

@testable import FeatureServer

/// The parsing behind the access checks, on the edge cases the route tests do not reach.
@Suite struct SecurityPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("127.0.0.1:6566", true), ("10.1.2.3:65535", true), ("0.0.0.0", true),
        ("256.0.0.1", false), ("1.2.3", false), ("1.2.3.4.5", false), ("1.2.3.4:", false), (":80", false),
        ("1.2.3.4:123456", false), ("1..2.3", false), ("localhost", false), ("1.2.3.4 ", false), ("", false),
    ])
    func ipv4HostsAreRecognizedWithoutAllocating(_ host: String, _ expected: Bool) {
        #expect(HostPolicy.isIPv4WithPort(host.utf8) == expected)
    }

    @Test(arguments: [
        ("127.0.0.1:1", true), ("[::1]:6566", true), ("[fe80::1]", true), ("localhost:80", true),
        ("api.localhost", true), ("LocalHost.", true), (" localhost ", true), ("named.example", true),
        ("NAMED.example:8080", true), ("evil.example", false), ("localhost.evil.example", false),
        ("256.0.0.1", false), ("", false), ("[::1", false),
    ])
    func hostsAreIPAddressesLocalhostOrListedNames(_ host: String, _ expected: Bool) {
        let policy = HostPolicy(boundHost: "127.0.0.1", allowedHosts: ["named.example"])
        #expect(policy.allows(host) == expected)
    }

    @Test func aBoundNameIsAccepted() {
        #expect(HostPolicy(boundHost: "features.internal", allowedHosts: []).allows("features.internal:6566"))
        #expect(!HostPolicy(boundHost: "127.0.0.1", allowedHosts: []).allows("features.internal"))
    }

    @Test(arguments: [
        ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER   abc  ", "abc"), ("Bearer", nil), ("Bearer ", nil),
        ("Bearerabc", nil), ("Basic abc", nil), ("Bearer\tabc", nil), ("", nil),
    ])
    func bearerTokensAreReadFromTheHeader(_ header: String, _ expected: String?) {
        #expect(AccessControl.bearerToken(header).map { String(Substring($0)) } == expected)
    }
}
