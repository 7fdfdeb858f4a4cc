package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
)

// writeFvecs writes vectors in the .fvecs layout: per vector an int32 dimension, then floats.
func writeFvecs(path string, vecs [][]float32) error {
	f, err := os.Create(path + ".part")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	buf := make([]byte, 4)
	for _, v := range vecs {
		binary.LittleEndian.PutUint32(buf, uint32(len(v)))
		w.Write(buf)
		for _, x := range v {
			binary.LittleEndian.PutUint32(buf, math.Float32bits(x))
			w.Write(buf)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".part", path)
}

// readFvecs reads a .fvecs file.
func readFvecs(path string) ([][]float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]float32
	for off := 0; off < len(data); {
		if len(data)-off < 4 {
			return nil, errors.New("truncated fvecs")
		}
		d := int(binary.LittleEndian.Uint32(data[off:]))
		off += 4
		if d <= 0 || len(data)-off < 4*d {
			return nil, fmt.Errorf("bad fvecs record at %d", off)
		}
		v := make([]float32, d)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*i:]))
		}
		off += 4 * d
		out = append(out, v)
	}
	return out, nil
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// clustered draws n+q unit vectors around nc Gaussian centres (seeded): the points of
// a centre spread with sigma per component, so clusters overlap in 384 dimensions as
// embedding clouds do.
func clustered(seed uint64, n, dim, nc int, sigma float64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float32, nc)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for j := range centres[i] {
			centres[i][j] = float32(r.NormFloat64())
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(nc)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + float32(sigma*r.NormFloat64())
		}
		normalize(v)
		out[i] = v
	}
	return out
}

func runGen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	n := fs.Int("n", 100000, "base vectors")
	q := fs.Int("q", 1000, "query vectors")
	dim := fs.Int("dim", 384, "dimension")
	nc := fs.Int("clusters", 200, "cluster count")
	sigma := fs.Float64("sigma", 0.7, "spread around a centre (per component, centres are N(0,1))")
	seed := fs.Uint64("seed", 42, "seed")
	base := fs.String("base", "", "output base .fvecs")
	queries := fs.String("queries", "", "output query .fvecs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	all := clustered(*seed, *n+*q, *dim, *nc, *sigma)
	if err := writeFvecs(*base, all[:*n]); err != nil {
		return err
	}
	return writeFvecs(*queries, all[*n:])
}

// runConvert turns `instructd embed` JSONL ({"id","embedding"} in input order) into base
// and query files: every 101st vector is a query, the rest are base vectors.
func runConvert(args []string) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	in := fs.String("in", "", "instructd embed output (JSONL)")
	n := fs.Int("n", 100000, "base vectors")
	q := fs.Int("q", 1000, "query vectors")
	base := fs.String("base", "", "output base .fvecs")
	queries := fs.String("queries", "", "output query .fvecs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var bv, qv [][]float32
	for i := 0; len(bv) < *n || len(qv) < *q; i++ {
		var rec struct {
			Embedding []float32 `json:"embedding"`
		}
		if err := dec.Decode(&rec); err == io.EOF {
			return fmt.Errorf("%s holds %d base and %d query vectors, want %d and %d", *in, len(bv), len(qv), *n, *q)
		} else if err != nil {
			return err
		}
		normalize(rec.Embedding)
		if i%101 == 100 {
			if len(qv) < *q {
				qv = append(qv, rec.Embedding)
			}
		} else if len(bv) < *n {
			bv = append(bv, rec.Embedding)
		}
	}
	if err := writeFvecs(*base, bv); err != nil {
		return err
	}
	return writeFvecs(*queries, qv)
}
