package errtext

import "testing"

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		`server: collection "x": server: not found`:                 `collection "x": not found`,
		"embed: load tokenizer: models: bad":                        "load tokenizer: bad",
		"models: pull a/b: models: cannot reach the model hub at h": "pull a/b: cannot reach the model hub at h",
		"plain message": "plain message",
		"a server: is not a prefix here, nor is text after 'models:'": "a server: is not a prefix here, nor is text after 'models:'",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
