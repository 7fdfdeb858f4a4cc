package embed

import (
	"encoding/json"
	"errors"
)

// Stubs for the components the "tokuni" branch implements (Unigram, Precompiled,
// Metaspace); the lead deletes this file when merging it.

func parseUnigramModel(json.RawMessage) (tokenModel, error) {
	return nil, errors.New("unsupported model \"Unigram\"")
}

func parsePrecompiledNormalizer(json.RawMessage) (textNormalizer, error) {
	return nil, errors.New("unsupported normalizer \"Precompiled\"")
}

func parseMetaspacePreTokenizer(json.RawMessage) (preTokenizer, error) {
	return nil, errors.New("unsupported pre_tokenizer \"Metaspace\"")
}
