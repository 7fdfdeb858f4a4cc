package lexical

import (
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/instructd/instructd/index"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	texts := randomCorpus(rand.New(rand.NewSource(3)), 300)
	docs := map[uint64]string{}
	for i, s := range texts {
		docs[uint64(i*3+1)] = s
	}
	docs[5000] = "Café résumé 東京" // non-ASCII terms survive
	docs[5001] = ""               // zero-length document survives
	ix := New(Options{K1: 1.5, B: 0.5})
	for k, v := range docs {
		ix.Upsert(k, v)
	}
	path := filepath.Join(t.TempDir(), "lexical.snap")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Options() != ix.Options() {
		t.Fatalf("options %+v, want %+v", got.Options(), ix.Options())
	}
	equalIndexes(t, got, ix)
	if m := got.Matching("cafe 東京"); len(m) != 1 {
		t.Fatalf("non-ASCII terms lost: %v", m)
	}
	// Saving twice gives identical bytes (deterministic layout), and no temp files linger.
	first, _ := os.ReadFile(path)
	if err := got.Save(path); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if string(first) != string(second) {
		t.Fatal("snapshot bytes differ after a round trip")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the snapshot", len(entries))
	}
}

func TestLoadDetectsCorruption(t *testing.T) {
	ix := buildIndex(tinyCorpus)
	dir := t.TempDir()
	path := filepath.Join(dir, "good.snap")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"empty file", func(b []byte) []byte { return nil }},
		{"bad magic", func(b []byte) []byte { b[0] ^= 0xff; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }},
		{"trailing garbage", func(b []byte) []byte { return append(b, 0) }},
		{"flipped payload bit", func(b []byte) []byte { b[len(b)-2] ^= 0x10; return b }},
		{"flipped checksum", func(b []byte) []byte { b[17] ^= 0x01; return b }},
		{"huge length", func(b []byte) []byte { b[15] = 0x7f; return b }},
		{"header only", func(b []byte) []byte { return b[:headerLen] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(dir, c.name+".snap")
			if err := os.WriteFile(bad, c.damage(append([]byte(nil), good...)), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(bad); !errors.Is(err, index.ErrCorrupt) {
				t.Fatalf("Load = %v, want ErrCorrupt", err)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing.snap")); err == nil || errors.Is(err, index.ErrCorrupt) {
		t.Fatalf("missing file: %v, want a plain not-found error", err)
	}
}

// TestDecodeRejectsStructuralDamage re-signs damaged payloads so that the
// checksum passes and the structural checks must catch the damage.
func TestDecodeRejectsStructuralDamage(t *testing.T) {
	good := buildIndex(tinyCorpus).encode()
	cases := []struct {
		name    string
		payload []byte
	}{
		{"empty payload", nil},
		{"cut in the middle", good[:len(good)/2]},
		{"bad k1", append(append([]byte{}, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f), good[8:]...)}, // NaN
		{"term count larger than the file", append(append([]byte{}, good[:16]...), 0xff, 0xff, 0xff, 0xff, 0x0f)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := decode(frame(c.payload)); err == nil {
				t.Fatal("decode accepted a damaged payload")
			}
		})
	}
	if _, err := decode(frame(good)); err != nil {
		t.Fatalf("re-signed good payload rejected: %v", err)
	}
}

// frame wraps a payload in a valid header.
func frame(payload []byte) []byte {
	b := make([]byte, headerLen)
	copy(b, snapshotMagic)
	putHeader(b, payload)
	return append(b, payload...)
}

func FuzzDecode(f *testing.F) {
	f.Add(buildIndex(tinyCorpus).encode())
	f.Fuzz(func(t *testing.T, payload []byte) {
		ix, err := decode(frame(payload))
		if err == nil {
			_ = ix.Search("cat dog", 3, nil)
		}
	})
}
