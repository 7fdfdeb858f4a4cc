// Package models owns the model-pack format: a directory holding model.onnx,
// tokenizer.json and a manifest (instructd.json), the manifests of known models,
// and the pull (from Hugging Face) and import (from a local directory) commands
// that produce packs. The embed package depends only on the parsed Manifest.
package models
