// Package wire holds the JSON shapes of instructd's HTTP API: the request and response
// types that the server, the HTTP handlers and the Go client share. It imports nothing but
// the standard library, so a client build needs no cgo (hnswlib, ONNX Runtime) and no
// server code.
package wire
