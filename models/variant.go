package models

import (
	"fmt"
	"path"
)

// Export variants a repo may publish next to its fp32 graph (the names transformers.js and
// optimum give them); PullOptions.Variant picks one.
const (
	VariantFP32 = "fp32"
	VariantFP16 = "fp16"
	VariantInt8 = "int8"
	VariantQ4   = "q4"
)

// Variants lists the variant names pull accepts.
var variantNames = []string{VariantFP32, VariantFP16, VariantInt8, VariantQ4}

// variantFiles are the graph file names of each variant other than fp32, in preference order.
var variantFiles = map[string][]string{
	VariantFP16: {"model_fp16.onnx"},
	VariantInt8: {"model_int8.onnx", "model_quantized.onnx"},
	VariantQ4:   {"model_q4.onnx"},
}

// variantPaths returns the repo paths tried, in order, for variant ("" means fp32). fp32
// uses the known model's paths (default onnx/model.onnx, then model.onnx); the others look
// for their file names in the same directories.
func variantPaths(variant string, fp32Paths []string) ([]string, error) {
	if len(fp32Paths) == 0 {
		fp32Paths = []string{"onnx/" + ModelFile, ModelFile}
	}
	if variant == "" || variant == VariantFP32 {
		return fp32Paths, nil
	}
	names, ok := variantFiles[variant]
	if !ok {
		return nil, fmt.Errorf("models: unknown variant %q (want one of %v)", variant, variantNames)
	}
	var out []string
	for _, p := range fp32Paths {
		for _, n := range names {
			out = append(out, path.Join(path.Dir(p), n))
		}
	}
	return out, nil
}
