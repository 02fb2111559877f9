import FeatureStoreKit

/// What the server decided about a call that did not come through HTTP's router (gRPC).
public struct CallAuthorization: Sendable {
    /// The name of the token presented (never the token); `nil` without one.
    public var caller: String?
    /// Why the call is refused (401 or 403, with HTTP's message); `nil` when it may go on.
    public var refusal: APIError?
}

extension FeatureServer {
    /// Checks the bearer token of a call that came outside HTTP's router (gRPC's `authorization`
    /// metadata) with the rules and messages of HTTP's `Authorization` header: no check when
    /// authentication is off or `role` is `nil` (health).
    ///
    /// - Parameters:
    ///   - authorization: the value as sent (`Bearer TOKEN`), `nil` when none was.
    ///   - role: the role the call needs.
    ///   - endpoint: the call's name, for the messages (`feast.serving.ServingService/GetOnlineFeatures`).
    public func authorizeCall(authorization: String?, role: RepoConfig.Role?, endpoint: String)
        -> CallAuthorization
    {
        guard let authenticator = access.authenticator, let role else { return CallAuthorization() }
        var decision = CallAuthorization()
        do {
            let token = try access.authenticate(
                authorization, with: authenticator, role: role, endpoint: endpoint, via: .metadata)
            decision.caller = token.name
            try AccessControl.require(role, of: token, endpoint: endpoint)
        } catch let error as APIError {
            decision.refusal = error
        } catch {
            decision.refusal = APIError(wrapping: error)
        }
        return decision
    }

    /// Whether callers must present a bearer token (`auth:` in `feature_store.yaml`).
    public var requiresToken: Bool { access.authenticator != nil }
}
