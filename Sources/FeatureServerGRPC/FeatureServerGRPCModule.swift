// FeatureServerGRPC: the gRPC face of `fs serve`: Feast's `feast.serving.ServingService` and the
// standard `grpc.health.v1.Health` over HTTP/2 (grpc-swift 2, protobuf types from FeastProtos).
// The lookups go through the HTTP server's own path (`FeatureServer.lookUp`), with its plan cache,
// metrics registry and logger; this module only translates protobuf to and from it (`Serving/`),
// answers health checks (`Health/`), counts and times each method (`Metrics/`) and runs the
// server as a lifecycle service beside HTTP (`Server/`).
