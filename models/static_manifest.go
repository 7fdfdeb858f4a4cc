package models

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// staticLayoutFiles lists a layout's files: the ones a pack needs and the ones copied
// when present.
func staticLayoutFiles(layout string) (required, optional []string) {
	if layout == StaticSentenceTransformers {
		return []string{SentenceTransformersModules, StaticEmbeddingTable, StaticEmbeddingTokenizer},
			[]string{"config_sentence_transformers.json"}
	}
	return []string{Model2VecTable, TokenizerFile, Model2VecConfig}, []string{SentenceTransformersModules}
}

// detectStaticLayout names the static layout of a directory's files, or "" when it
// holds an ONNX model or neither layout. has reports whether a relative path exists.
func detectStaticLayout(has func(name string) bool) string {
	switch {
	case has(StaticEmbeddingTable) && has(StaticEmbeddingTokenizer):
		return StaticSentenceTransformers
	case has(Model2VecTable) && has(TokenizerFile) && !has(ModelFile) && !has("onnx/"+ModelFile):
		return StaticModel2Vec
	}
	return ""
}

// staticManifestBase is the manifest of a static model instructd does not know.
func staticManifestBase(name, layout string) Manifest {
	m := Manifest{
		Name:             name,
		Semantic:         true,
		MaxTokens:        512, // Model2Vec's encode default
		Pooling:          PoolingMean,
		QueryTemplate:    PlaceholderQuery,
		DocumentTemplate: PlaceholderDocument,
		InstructionMode:  InstructionTemplate,
	}
	if layout == StaticSentenceTransformers {
		m.MaxTokens = 8192 // StaticEmbedding has no limit; instructd needs one
	}
	return m
}

// finishStaticManifest makes m a static manifest for the pack whose files read returns
// and whose table is at tablePath: the runtime and layout, mean pooling, the dimension
// from the table (a different non-zero m.Dimension is an error) and normalize as the
// library decides it (Model2Vec: config.json "normalize", default false;
// sentence-transformers: a Normalize module in modules.json) unless normalize is set.
func finishStaticManifest(m *Manifest, layout string, read configReader, tablePath string, normalize *bool) error {
	m.Runtime = RuntimeStatic
	m.Static = &StaticSpec{Layout: layout}
	m.Pooling = PoolingMean
	m.OutputName = ""
	m.ModelFile = ""
	tensor := "embeddings"
	if layout == StaticSentenceTransformers {
		tensor = "embedding.weight"
	}
	shape, err := safetensorsShape(tablePath, tensor, "embeddings")
	if err != nil {
		return err
	}
	if len(shape) != 2 || shape[1] <= 0 {
		return fmt.Errorf("models: %s: table shape %v, want [vocab, dim]", tablePath, shape)
	}
	if m.Dimension != 0 && m.Dimension != shape[1] {
		return fmt.Errorf("models: %s: table has %d dims, the manifest says %d", m.Name, shape[1], m.Dimension)
	}
	m.Dimension = shape[1]
	switch {
	case normalize != nil:
		m.Normalize = *normalize
	case layout == StaticModel2Vec:
		var cfg struct {
			Normalize bool `json:"normalize"`
		}
		if _, err := readJSON(read, Model2VecConfig, &cfg); err != nil {
			return err
		}
		m.Normalize = cfg.Normalize
	default:
		var modules []struct {
			Type string `json:"type"`
		}
		if _, err := readJSON(read, SentenceTransformersModules, &modules); err != nil {
			return err
		}
		m.Normalize = false
		for _, mod := range modules {
			if strings.HasSuffix(mod.Type, ".Normalize") {
				m.Normalize = true
			}
		}
	}
	return m.Validate()
}

// safetensorsShape returns the shape of the first of names found in the safetensors
// file at path, reading only its header.
func safetensorsShape(path string, names ...string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	defer f.Close()
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("models: %s is not a safetensors file: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n == 0 || n > 100<<20 {
		return nil, fmt.Errorf("models: %s is not a safetensors file (header length %d)", path, n)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return nil, fmt.Errorf("models: %s: reading header: %w", path, err)
	}
	var tensors map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &tensors); err != nil {
		return nil, fmt.Errorf("models: %s: header: %w", path, err)
	}
	for _, name := range names {
		if raw, ok := tensors[name]; ok {
			var t struct {
				Shape []int `json:"shape"`
			}
			if err := json.Unmarshal(raw, &t); err != nil {
				return nil, fmt.Errorf("models: %s: tensor %q: %w", path, name, err)
			}
			return t.Shape, nil
		}
	}
	return nil, fmt.Errorf("models: %s has no tensor %s", path, strings.Join(names, " or "))
}

// dirReader reads configs from a local directory (slash paths), errNotFound when absent.
func dirReader(dir string) configReader {
	return func(name string) ([]byte, error) {
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if os.IsNotExist(err) {
			return nil, errNotFound
		}
		return raw, err
	}
}
