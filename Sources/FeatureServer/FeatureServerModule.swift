// FeatureServer: the HTTP feature server behind `fs serve` (Hummingbird 2): routes (`Routes/`), request parsing
// (`Requests/`, `JSON/`), errors with their HTTP face (`Errors/`), lifecycle services (registry
// watcher, scheduler in `Services/`), Prometheus metrics (`Metrics/`) and the wiring (`Server/`).
// Feature-store logic does not belong here: it lives in FeatureStoreKit and is only called.
