package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestAPIKeysThatParseToNothingAreAnError(t *testing.T) {
	for _, v := range []string{",", " , ,"} {
		t.Setenv("INSTRUCTD_API_KEYS", v)
		if _, err := parseServe(nil); err == nil || !strings.Contains(err.Error(), "INSTRUCTD_API_KEYS") {
			t.Errorf("INSTRUCTD_API_KEYS=%q: %v, want an error naming it", v, err)
		}
	}
	t.Setenv("INSTRUCTD_API_KEYS", "")
	if _, err := parseServe([]string{"--api-key", " "}); err == nil {
		t.Error("a blank --api-key was accepted")
	}
	t.Setenv("INSTRUCTD_READ_API_KEYS", "r1,r2")
	st, err := parseServe([]string{"--api-key", "w"})
	if err != nil || strings.Join(st.opts.ReadAPIKeys, ",") != "r1,r2" || strings.Join(st.opts.APIKeys, ",") != "w" {
		t.Fatalf("keys: full %v read %v, %v", st.opts.APIKeys, st.opts.ReadAPIKeys, err)
	}
}

func TestOpenListenWarning(t *testing.T) {
	for _, tc := range []struct {
		addr string
		keys bool
		warn bool
	}{
		{"0.0.0.0:8080", false, true},
		{":8080", false, true},
		{"10.1.2.3:8080", false, true},
		{"0.0.0.0:8080", true, false},
		{"127.0.0.1:8080", false, false},
		{"localhost:8080", false, false},
		{"[::1]:8080", false, false},
	} {
		var out, logs bytes.Buffer
		warnIfOpen(&out, slog.New(slog.NewTextHandler(&logs, nil)), tc.addr, tc.keys)
		if got := strings.Contains(out.String(), "WITHOUT API KEYS") && strings.Contains(logs.String(), "without API keys"); got != tc.warn {
			t.Errorf("%s keys=%v: warned %v, want %v (%q)", tc.addr, tc.keys, got, tc.warn, out.String())
		}
	}
}
