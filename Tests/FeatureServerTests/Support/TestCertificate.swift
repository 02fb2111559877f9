import Foundation

/// A self-signed certificate for `localhost` and 127.0.0.1 (valid for 100 years) and its key,
/// made for these tests with `openssl req -x509 -newkey rsa:2048 -nodes -days 36500`. Test data
/// only: it protects nothing.
enum TestCertificate {
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIDJzCCAg+gAwIBAgIUHMRARwS3dBJkQs51YwMzx765dMYwDQYJKoZIhvcNAQEL
        BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNjE5NTcxNVoYDzIxMjYx
        MTAyMTk1NzE1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwggEiMA0GCSqGSIb3DQEB
        AQUAA4IBDwAwggEKAoIBAQC7Mhj/zqBM3OEV2oHxQ6A/TTHzSPrUf6+dYiEG1Pee
        kYX0/yTf22xPI135ijBV3hRGrr0L/Y7uT+aLlMrOTTcPJstt7nvsIUT3ngGk5mlO
        J4l4jzlEpUokklM9UrE5RsrGwb3GSz/LByIXDFLHLJBFLHdZ8VrvFzHhRrqgYjlU
        3woJ2mqRZDg4kPBxXI+g0Po4vRP6BVjNRJjNXqIpDgrK0jmLlyRXbrVHt4LXKOX1
        S32NpbwoY931a1wwXHM8AmF7QBM7+NHCMV3et9c9BFqxjnIDdTRyKEV3KF33c2jO
        eww3REOBfsloV8CTcJMat05cPxfAay8cxVhCk7TqKRIpAgMBAAGjbzBtMB0GA1Ud
        DgQWBBQK4dTIyNWaDWa8AAgrwGYR4Kgh5TAfBgNVHSMEGDAWgBQK4dTIyNWaDWa8
        AAgrwGYR4Kgh5TAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGCCWxvY2FsaG9z
        dIcEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEAsvvDBVYuzphRedw8h+rUJR4ainqq
        PQrBOo49mNVUFsY9/Myy/wfQ3dp4EXv7EFktddOzfwkNngHrEnPUqXaMdnbRT5lG
        +KFEcrOCzNh2nhV711HztUBhqt8MxQQAavAVAJm4IZa+HuoOuBx4PZCCh2xLICTA
        0TA9F16ULNGe9lMVfs8GBPlxDBI35la8+aFFaJ+yMz2FC0T0qt48TeyFKBnUfALF
        0uUbE5QjuIvRrxvFbn1vZDFbGeB1lFl1Fq/cMk/Sh3OJ15vTepgwxCRJCgpZOvmd
        HLDgsWhTdvr33MTc/XvANOdkBpkWitUzcRiyP9voiRfDe71flfFPgCo8Uw==
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Mhj/zqBM3OEV
        2oHxQ6A/TTHzSPrUf6+dYiEG1PeekYX0/yTf22xPI135ijBV3hRGrr0L/Y7uT+aL
        lMrOTTcPJstt7nvsIUT3ngGk5mlOJ4l4jzlEpUokklM9UrE5RsrGwb3GSz/LByIX
        DFLHLJBFLHdZ8VrvFzHhRrqgYjlU3woJ2mqRZDg4kPBxXI+g0Po4vRP6BVjNRJjN
        XqIpDgrK0jmLlyRXbrVHt4LXKOX1S32NpbwoY931a1wwXHM8AmF7QBM7+NHCMV3e
        t9c9BFqxjnIDdTRyKEV3KF33c2jOeww3REOBfsloV8CTcJMat05cPxfAay8cxVhC
        k7TqKRIpAgMBAAECggEALavf4I2Tm50qR3Ar0ubKcpdNcAtmszDB8naOE0IjdesQ
        UUFsyDcbOkWpOGhIObL4pHQeiI3g8PDKkVSIlIPPQqGW8WfFkUtercE9qnNSzvAj
        gKgE82QWbkzLBUOnHI/SimKbgAU897ZyUUg+6/xJ6K6cIfQaWQoCL/HXN6kvTq6+
        nbvtbC6/WSftGoMLipBMBTYdxFIrAsih9VFr1RmxwP3NThjglwfA8cG+Hm81wmKN
        z/G3oiFGqxi5VSfaeXueJVoagprlIVNDXl1VZ/V8upRjY3j4O49MoV4FOFJkidsq
        12bNunkhi15zlCsBgqop//61MfioFnayldPnbsrVOQKBgQD1H67btKFOh6O4zE1/
        YXqpWM4H0VJWoGLGLG2ZMKUpDhl8Y5QhIPGRYddwUu6M3zvSfc9LdXsxkf/JSIpm
        vP8/f/oFzIDwzeNv3aYcO5X6PKRFcG4Ct6Vgf2+K1ChVRdIiV3erwe6rUMqSxkHs
        She1AQcWqs4X9Jbf12OWuCZ8hQKBgQDDgGuIlZ+8vkBAb35JoJh4UQWVJ2U7bf6b
        FL1NfKn/tLUdoyEwed0RTTQ/4zBg25X4HMoor6DQPvU/1DZwy+zcLRxAUkx0V/CD
        Z3gfEQsJXdFVlmSADS5ZDqN7OgjNlHbagtLoJgxoJgqCjyf6+rx8xFs/khDQPpd3
        bPcdyrzyVQKBgGFmQnvIjWP/351ZiN25pRzPTaarlRUYy8bE9pOtUaM7mALmKoDz
        byl+gDWArotJVKLyHMF2IAp1YfbgHSZvqNjZiEZvmTiWBu53Wz7SqmhxWjDBWOU5
        hbwPRwoZ/SDNCo9cxA96ktR92NBzeNRkKIFitCdcnWHFbYHqOwcziw9lAoGAYKzo
        gCo9S4BpFXQM5yvbOeQW9qL8lF7YQKgI1ICJMEGULou0pdwdTaj35X/bNIphpsfV
        0DjJNTFs5ZtzMGQnRNmp1sTbucyiytgntnUfGAqkscYk/I2IFdH/VbhlEgQQog1/
        bf0itX3aRKW2B45mFuyiktUQK2pITG495SWUOeECgYEA8zyEUsBSPaIHkGmAfPfa
        sBFYXP2tthuMsDOWIoJ5Sq9dEGXbpq+O3kZ91agyFg1Xx0BCjQAsOyBsnWtgboof
        B08NY8MCo2DjdCVFRyi8a2oB3jp172UWT0w0QzGq6Lwg3HcojVqWjyorun0YuoTN
        TfuCUERJcbBv7Gx/Dz3j1B4=
        -----END PRIVATE KEY-----
        """

    /// Writes both to a fresh directory; returns the paths.
    static func write() throws -> (certificate: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fs-tls-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try certificatePEM.write(toFile: directory + "/cert.pem", atomically: true, encoding: .utf8)
        try privateKeyPEM.write(toFile: directory + "/key.pem", atomically: true, encoding: .utf8)
        return (directory + "/cert.pem", directory + "/key.pem")
    }
}
