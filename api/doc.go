// Package api is instructd's HTTP transport: chi routes, middleware, request decoding,
// error mapping and the OpenAPI document. It calls the server through the narrow
// Service interface (implemented by *server.Server) and holds no domain logic:
// every handler decodes, calls Service, maps the error and encodes.
//
// Lifecycle: NewRouter builds an http.Handler once at start-up; it registers its HTTP
// metrics on the service's Prometheus registry. Streaming ingest handlers own one reader
// goroutine per request and wait for it before returning, so the router needs no Close.
//
// Routes (see openapi.json for the full contract):
//
//	GET    /healthz                                 liveness, always 200
//	GET    /readyz                                  200 when ready, else 503
//	GET    /metrics                                 Prometheus (auth unless MetricsPublic)
//	GET    /openapi.json                            this API's OpenAPI 3.0 document
//	GET    /v1/models                               loaded model packs (OpenAI list shape)
//	POST   /v1/embeddings                           OpenAI-compatible embeddings
//	GET    /v1/collections                          list collections
//	PUT    /v1/collections/{name}                   create (201) or confirm (200) a collection
//	GET    /v1/collections/{name}                   describe a collection
//	DELETE /v1/collections/{name}                   delete a collection
//	POST   /v1/collections/{name}/documents         upsert: JSON body or NDJSON stream
//	GET    /v1/collections/{name}/documents/{id...} fetch a document (id URL-escaped, may hold '/')
//	DELETE /v1/collections/{name}/documents/{id...} delete a document
//	POST   /v1/collections/{name}/search            search (single or batch)
//
// Every error is {"error":{"code":"...","message":"..."}} with the status from errors.go.
package api
