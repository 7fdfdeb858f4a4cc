package models

// Files of the two static pack layouts, relative to the pack directory. A static pack
// keeps the layout its library published, so that a pulled or imported directory is
// also a valid Model2Vec or sentence-transformers model.
const (
	// Model2VecTable holds the tensor "embeddings" (one row per token id).
	Model2VecTable = "model.safetensors"
	// Model2VecConfig holds Model2Vec's config ("normalize", ...).
	Model2VecConfig = "config.json"
	// StaticEmbeddingDir is the sentence-transformers StaticEmbedding module's folder.
	StaticEmbeddingDir = "0_StaticEmbedding"
	// StaticEmbeddingTable holds the tensor "embedding.weight".
	StaticEmbeddingTable = StaticEmbeddingDir + "/model.safetensors"
	// StaticEmbeddingTokenizer is the module's tokenizer.
	StaticEmbeddingTokenizer = StaticEmbeddingDir + "/" + TokenizerFile
	// SentenceTransformersModules lists the pipeline's modules (a Normalize module or not).
	SentenceTransformersModules = "modules.json"
)

// StaticTableFile is the safetensors file of a static pack's layout ("" for others).
func StaticTableFile(layout string) string {
	switch layout {
	case StaticModel2Vec:
		return Model2VecTable
	case StaticSentenceTransformers:
		return StaticEmbeddingTable
	}
	return ""
}

// TokenizerFileName is the pack's tokenizer.json, relative to the pack directory:
// 0_StaticEmbedding/tokenizer.json for sentence-transformers static packs,
// tokenizer.json for every other pack.
func (m Manifest) TokenizerFileName() string {
	if m.RuntimeOrDefault() == RuntimeStatic && m.Static != nil && m.Static.Layout == StaticSentenceTransformers {
		return StaticEmbeddingTokenizer
	}
	return TokenizerFile
}
