import FeastProtos
import FeatureServer
import FeatureServerGRPC
import FeatureStoreKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf
import Testing

/// With `--tls-cert` and `--tls-key`, gRPC is served over TLS with the same certificate as HTTPS,
/// and a plaintext client is not answered.
@Suite struct TLSTests {
    @Test func withTLSFilesGRPCIsServedOverTLSOnly() async throws {
        let files = try TestCertificate.write()
        let fixture = try await GRPCFixture.make {
            $0.tls = ServerConfiguration.TLSFiles(certificatePath: files.certificate, keyPath: files.key)
        }
        try await fixture.run(trusting: TestCertificate.certificatePEM) { _, clients in
            #expect(clients.grpc.secure)
            let answer = try await clients.serving.getOnlineFeatures(
                onlineRequest(features: ["driver_live:rating"], entities: ["driver_id": [.int64(1)]]))
            #expect(answer.metadata.featureNames.val == ["driver_id", "rating"])
            #expect(try await clients.health.check(.with { $0.service = "" }).status == .serving)

            // A plaintext client on the same port gets no answer.
            let port = try await clients.grpc.listeningPort
            var options = CallOptions.defaults
            options.timeout = .seconds(5)
            options.waitForReady = false
            do {
                _ = try await withGRPCClient(
                    transport: .http2NIOPosix(
                        target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
                ) { client in
                    try await Grpc_Health_V1_Health.Client(wrapping: client).check(
                        .with { $0.service = "" }, options: options)
                }
                Issue.record("a plaintext call to the TLS port was answered")
            } catch let error as RPCError {
                #expect([.unavailable, .deadlineExceeded].contains(error.code), "\(error)")
            }
        }
    }
}
