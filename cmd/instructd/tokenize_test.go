package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/models"
)

// runTokenizeIO runs the tokenize command with stdin and returns stdout, stderr and the error.
func runTokenizeIO(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	in, err := os.CreateTemp(dir, "in")
	if err != nil {
		t.Fatal(err)
	}
	in.WriteString(stdin)
	in.Seek(0, 0)
	out, _ := os.Create(filepath.Join(dir, "out"))
	errOut, _ := os.Create(filepath.Join(dir, "err"))
	oldIn, oldOut, oldErr := os.Stdin, os.Stdout, os.Stderr
	os.Stdin, os.Stdout, os.Stderr = in, out, errOut
	runErr := runTokenize(context.Background(), args)
	os.Stdin, os.Stdout, os.Stderr = oldIn, oldOut, oldErr
	for _, f := range []*os.File{in, out, errOut} {
		f.Close()
	}
	return string(mustReadFile(t, out.Name())), string(mustReadFile(t, errOut.Name())), runErr
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeTokenLines(t *testing.T, out string) []tokenizeLine {
	t.Helper()
	var lines []tokenizeLine
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var l tokenizeLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestTokenizeCommand(t *testing.T) {
	pack := testenv.Pack(t, "test-tiny")
	m, err := models.ReadManifest(pack)
	if err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(pack, models.TokenizerFile)
	input := `{"id":1,"text":"Hello World"}` + "\n" + `{"id":"b","text":"naïve café"}` + "\n"
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantText   []string
		wantTokens [][]string
		wantErr    string
	}{
		{
			name: "tokenizer file", stdin: input, args: []string{"--tokenizer", tokFile},
			wantText:   []string{"Hello World", "naïve café"},
			wantTokens: [][]string{{"[CLS]", "hello", "world", "[SEP]"}, {"[CLS]", "naive", "cafe", "[SEP]"}},
		},
		{
			name: "pack query template without special tokens", stdin: input, args: []string{"--model", pack, "--type", "query", "--no-special"},
			wantText: []string{m.DefaultInstruction + "\nHello World", m.DefaultInstruction + "\nnaïve café"},
			wantTokens: [][]string{{"given", "a", "query", ",", "retrieve", "relevant", "passages", "hello", "world"},
				{"given", "a", "query", ",", "retrieve", "relevant", "passages", "naive", "cafe"}},
		},
		{
			name: "explicit instruction", stdin: `{"id":1,"text":"x"}`, args: []string{"--model", pack, "--type", "query", "--instruction", "find"},
			wantText: []string{"find\nx"}, wantTokens: [][]string{{"[CLS]", "find", "x", "[SEP]"}},
		},
		{name: "bad line", stdin: `{"id":1}` + "\n" + `{"id":2,"text":"ok"}`, args: []string{"--tokenizer", tokFile},
			wantText: []string{"ok"}, wantTokens: [][]string{{"[CLS]", "ok", "[SEP]"}}, wantErr: "1 bad line"},
		{name: "no source", args: nil, wantErr: "exactly one of --tokenizer"},
		{name: "two sources", args: []string{"--tokenizer", tokFile, "--model", pack}, wantErr: "exactly one of --tokenizer"},
		{name: "template without a pack", args: []string{"--tokenizer", tokFile, "--type", "query"}, wantErr: "--type needs --model"},
		{name: "bad type", args: []string{"--model", pack, "--type", "passage"}, wantErr: "--type must be query or document"},
		{name: "instruction on documents", args: []string{"--model", pack, "--instruction", "x"}, wantErr: "--instruction applies to --type query only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runTokenizeIO(t, tt.stdin, tt.args...)
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err %v (stderr %s)", err, errOut)
			}
			lines := decodeTokenLines(t, out)
			if len(lines) != len(tt.wantText) {
				t.Fatalf("%d output lines, want %d: %s", len(lines), len(tt.wantText), out)
			}
			for i, l := range lines {
				if l.Text != tt.wantText[i] || !slices.Equal(l.Tokens, tt.wantTokens[i]) || len(l.IDs) != len(l.Tokens) || len(l.Offsets) != len(l.Tokens) {
					t.Errorf("line %d: %+v, want text %q tokens %q", i, l, tt.wantText[i], tt.wantTokens[i])
				}
			}
			if tt.name == "tokenizer file" {
				if string(lines[0].ID) != "1" || string(lines[1].ID) != `"b"` {
					t.Errorf("ids %s %s", lines[0].ID, lines[1].ID)
				}
				if o := lines[1].Offsets[2]; lines[1].Text[o[0]:o[1]] != "café" {
					t.Errorf("offsets %v", lines[1].Offsets)
				}
			}
		})
	}
}

// TestTokenizeAppendToken checks a pack with append_token: the token follows truncation,
// which leaves room for it, and --no-special leaves it out.
func TestTokenizeAppendToken(t *testing.T) {
	tiny := testenv.Pack(t, "test-tiny")
	m, err := models.ReadManifest(tiny)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := embed.LoadTokenizer(filepath.Join(tiny, models.TokenizerFile), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tok.(interface{ TokenToID(string) (int64, bool) }); !ok {
		t.Skip("this build's tokenizer has no TokenToID yet (embed.FullTokenizer's, from the tokenizer pipeline work)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, models.TokenizerFile), mustReadFile(t, filepath.Join(tiny, models.TokenizerFile)), 0o644); err != nil {
		t.Fatal(err)
	}
	m.AppendToken, m.Files, m.MaxTokens = "[MASK]", nil, 8
	raw, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, models.ManifestFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("word ", 20)
	out, errOut, err := runTokenizeIO(t, `{"id":1,"text":"hi"}`+"\n"+`{"id":2,"text":"`+long+`"}`, "--model", dir)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	lines := decodeTokenLines(t, out)
	if len(lines) != 2 || !slices.Equal(lines[0].Tokens, []string{"[CLS]", "hi", "[SEP]", "[MASK]"}) {
		t.Fatalf("short text: %s", out)
	}
	if got := lines[1].Tokens; len(got) != 8 || got[6] != "[SEP]" || got[7] != "[MASK]" {
		t.Errorf("long text: %d tokens %q, want 8 ending [SEP] [MASK]", len(got), got)
	}
	out, _, err = runTokenizeIO(t, `{"id":1,"text":"hi"}`, "--model", dir, "--no-special")
	if l := decodeTokenLines(t, out); err != nil || len(l) != 1 || !slices.Equal(l[0].Tokens, []string{"hi"}) {
		t.Errorf("--no-special: %s %v", out, err)
	}
	if !bytes.Contains([]byte(out), []byte(`"text":"hi"`)) {
		t.Errorf("output lacks the rendered text: %s", out)
	}
}
