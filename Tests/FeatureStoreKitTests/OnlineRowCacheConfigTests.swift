import FeatureStoreCore
import FeatureStoreKit
import Foundation
import Testing

/// `online_store.row_cache_mb` sizes the in-process row cache; a bad value names the field, the
/// file and the allowed range.
@Suite struct OnlineRowCacheConfigTests {
    static func repo(_ yaml: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fs-rowcache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try yaml.write(toFile: path + "/feature_store.yaml", atomically: true, encoding: .utf8)
        return path
    }

    @Test func theDefaultAndAGivenSize() throws {
        #expect(try FeatureStore(repo: Self.repo("project: p\n")).config.onlineRowCacheMB == 256)
        let off = try FeatureStore(repo: Self.repo("project: p\nonline_store:\n  type: rocksdb\n  row_cache_mb: 0\n"))
        #expect(off.config.onlineRowCacheMB == 0)
        let large = try FeatureStore(
            repo: Self.repo("project: p\nonline_store: {path: data/online, row_cache_mb: 2048}\n"))
        #expect(large.config.onlineRowCacheMB == 2048)
        #expect(large.config.onlineStorePath.hasSuffix("data/online"))
    }

    @Test(arguments: ["-1", "1.5", "lots", "65537"]) func aBadSizeIsRejectedAtItsLine(size: String) throws {
        let repo = try Self.repo("project: p\nonline_store:\n  path: online\n  row_cache_mb: \(size)\n")
        let error = #expect(throws: FeatureStoreError.self) { try FeatureStore(repo: repo) }
        let text = error?.description ?? ""
        #expect(text.contains("feature_store.yaml:4:"), "\(text)")
        #expect(text.contains("'row_cache_mb'") && text.contains("from 0 (no row cache) to 65536"), "\(text)")
        #expect(text.contains("'\(size)'"), "\(text)")
    }
}
