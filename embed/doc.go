// Package embed is instructd's embedding engine: it turns texts into vectors with an
// ONNX bi-encoder from a model pack.
//
// The pieces, one per file: runtime.go holds the process's ONNX Runtime environment
// (Runtime, reference-counted, because the C library allows one per process);
// tokenizer*.go turn text into ids (append_token.go adds a pack's final token after
// truncation); session.go runs the model, fed as signature.go reads the graph's metadata
// (decoder caches, position ids, int32 ids, float16 via float16.go, pooled outputs);
// pooling.go reduces token vectors (mean, cls, last; none when the graph pools) and
// L2-normalises; matryoshka.go truncates vectors to a shorter dimension; template.go fills
// the pack's query and document templates; attention.go implements InF-Embed's
// instruction-query attention; batcher.go and admission.go are the dynamic batcher and
// its bounded queue; cache.go is the LRU of query vectors; embedder.go ties them together
// behind Embedder; metrics.go defines the Hooks the server wires to Prometheus.
//
// Lifecycle: Open loads the pack, opens (or shares, via Config.Runtime) the runtime,
// creates the session, runs a warm-up batch and starts two goroutines: the queue loop,
// which owns the pending texts, sorts them by length and cuts batches by a padded-token
// budget, and the inference goroutine, which owns the session. They are linked by a
// channel of capacity 1, so one batch is ready while the model runs the other. Callers
// of Embed tokenize on their own goroutines, take permits from the bounded queue (failing
// fast with ErrOverloaded unless Options.Wait) and wait for their reply; a caller whose
// context ends is dropped before its texts reach the model. Close stops both goroutines,
// fails what is still queued with ErrClosed, waits, and releases the session.
package embed
