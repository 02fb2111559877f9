import FeatureStoreKit
import Foundation

/// The bearer tokens of `auth:` in `feature_store.yaml`, with their secrets read when the server
/// starts (from the environment or a file), and the check of a presented token.
///
/// A presented token is compared with every configured one in time that depends only on the
/// lengths (no early exit), so response times do not reveal how much of a guess was right.
public struct TokenAuthenticator: Sendable {
    struct Token: Sendable {
        var name: String
        var secret: [UInt8]
        var roles: Set<RepoConfig.Role>
    }

    let tokens: [Token]

    /// The fewest characters a token may have (guessing a shorter one is too easy).
    public static let minimumLength = 16

    /// The token name used for requests that presented none (in logs and metrics).
    public static let anonymous = "anonymous"

    /// Reads every token's secret.
    ///
    /// - Parameter environment: where `token_env` variables are looked up (the process's by default).
    /// - Throws: `invalidArgument` naming the token and the variable or file when a secret is
    ///   missing, unreadable, shorter than ``minimumLength``, or shared by two tokens.
    public init(_ auth: RepoConfig.Auth, environment: [String: String]) throws {
        var tokens: [Token] = []
        for token in auth.tokens {
            let secret: String
            if let variable = token.tokenEnv {
                guard let value = environment[variable], !value.isEmpty else {
                    throw FeatureStoreError.invalidArgument(
                        "auth token '\(token.name)': the environment variable \(variable) is not set; export it with the token's secret before starting fs serve"
                    )
                }
                secret = value
            } else if let file = token.tokenFile {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw FeatureStoreError.invalidArgument(
                        "auth token '\(token.name)': cannot read the token file \(file); create it with the secret on one line (mode 600)"
                    )
                }
                secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                throw FeatureStoreError.invalidArgument(
                    "auth token '\(token.name)' has neither token_env nor token_file")
            }
            let where_ = token.tokenEnv.map { "the environment variable \($0)" } ?? "the file \(token.tokenFile ?? "")"
            guard secret.count >= Self.minimumLength else {
                throw FeatureStoreError.invalidArgument(
                    "auth token '\(token.name)' from \(where_) has \(secret.count) characters; use at least \(Self.minimumLength) (for example `openssl rand -hex 32`)"
                )
            }
            guard secret.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw FeatureStoreError.invalidArgument(
                    "auth token '\(token.name)' from \(where_) holds spaces or characters outside visible ASCII; a bearer token cannot carry them"
                )
            }
            if let other = tokens.first(where: { $0.secret == Array(secret.utf8) }) {
                throw FeatureStoreError.invalidArgument(
                    "auth tokens '\(other.name)' and '\(token.name)' have the same secret; give each its own so logs can tell them apart"
                )
            }
            tokens.append(Token(name: token.name, secret: Array(secret.utf8), roles: Set(token.roles)))
        }
        self.tokens = tokens
    }

    /// The configured token `presented` matches, if any. Every token is compared in full.
    func match(_ presented: some Collection<UInt8>) -> Token? {
        var found: Token?
        for token in tokens where Self.equal(token.secret, presented) {
            found = token
        }
        return found
    }

    /// Whether `secret == presented`, in time that depends only on their lengths (every byte of
    /// the longer one is visited).
    static func equal(_ secret: [UInt8], _ presented: some Collection<UInt8>) -> Bool {
        var difference = UInt64(truncatingIfNeeded: secret.count ^ presented.count)
        var index = 0
        for byte in presented {
            difference |= UInt64(byte ^ (index < secret.count ? secret[index] : 0))
            index += 1
        }
        while index < secret.count {
            difference |= UInt64(secret[index])
            index += 1
        }
        return difference == 0
    }
}
