package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParseServePrecedence(t *testing.T) {
	t.Setenv("INSTRUCTD_ADDR", "0.0.0.0:9000")
	t.Setenv("INSTRUCTD_MODELS", "/packs/a, /packs/b")
	t.Setenv("INSTRUCTD_API_KEYS", "k1,k2")
	t.Setenv("INSTRUCTD_THREADS", "3")
	t.Setenv("INSTRUCTD_INFERENCE_WORKERS", "3")
	t.Setenv("INSTRUCTD_MAX_K", "50")
	t.Setenv("INSTRUCTD_SNAPSHOT_INTERVAL", "10s")
	t.Setenv("INSTRUCTD_METRICS_PUBLIC", "true")
	t.Setenv("INSTRUCTD_LOG_FORMAT", "json")

	st, err := parseServe([]string{"--addr", "127.0.0.1:1", "--model", "/packs/c", "--max-k", "7"})
	if err != nil {
		t.Fatal(err)
	}
	c := st.cfg
	switch {
	case c.Addr != "127.0.0.1:1":
		t.Errorf("flag must beat env: addr %q", c.Addr)
	case len(c.ModelPacks) != 1 || c.ModelPacks[0] != "/packs/c":
		t.Errorf("--model must replace INSTRUCTD_MODELS: %q", c.ModelPacks)
	case c.Limits.MaxK != 7:
		t.Errorf("max-k %d", c.Limits.MaxK)
	case c.Threads != 3 || c.Embedding.InferenceWorkers != 3 || c.SnapshotInterval != 10*time.Second || !c.MetricsPublic || st.logFormat != "json":
		t.Errorf("env not applied: %+v", c)
	case strings.Join(c.APIKeys, ",") != "k1,k2" || strings.Join(st.opts.APIKeys, ",") != "k1,k2" || !st.opts.MetricsPublic:
		t.Errorf("api keys: %q / %q", c.APIKeys, st.opts.APIKeys)
	case c.DataDir != "./data" || c.Limits.MaxLineBytes != 1<<20:
		t.Errorf("defaults lost: %+v", c)
	}

	st, err = parseServe([]string{"--model", "x", "--model", "y"})
	if err != nil || strings.Join(st.cfg.ModelPacks, ",") != "x,y" || st.cfg.Addr != "0.0.0.0:9000" {
		t.Fatalf("repeated --model: %+v %v", st.cfg, err)
	}
}

func TestParseServeErrors(t *testing.T) {
	t.Setenv("INSTRUCTD_THREADS", "many")
	if _, err := parseServe(nil); err == nil || !strings.Contains(err.Error(), "INSTRUCTD_THREADS") {
		t.Fatalf("bad env must fail naming the variable, got %v", err)
	}
	t.Setenv("INSTRUCTD_THREADS", "")
	if _, err := parseServe([]string{"stray"}); err == nil {
		t.Fatal("stray argument accepted")
	}
	if _, err := parseServe([]string{"--model-alias", "no-equals"}); err == nil || !strings.Contains(err.Error(), "NAME=PACK") {
		t.Fatalf("bad alias: %v", err)
	}
	st, err := parseServe([]string{"--model-alias", "text-embedding-3-small=BAAI/bge-small-en-v1.5", "--model-alias", "a = b"})
	if err != nil || st.cfg.ModelAliases["text-embedding-3-small"] != "BAAI/bge-small-en-v1.5" || st.cfg.ModelAliases["a"] != "b" {
		t.Fatalf("aliases: %v %v", st.cfg.ModelAliases, err)
	}
	if _, err := newLogger(&bytes.Buffer{}, "yaml", "info"); err == nil {
		t.Fatal("log format yaml accepted")
	}
	if _, err := newLogger(&bytes.Buffer{}, "json", "loud"); err == nil {
		t.Fatal("log level loud accepted")
	}
}

func TestNonSemanticWarning(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/instructd.json", `{"name":"fake/pack","semantic":false,"dimension":4,"max_tokens":8,"pooling":"mean",
		"normalize":true,"output_name":"last_hidden_state","query_template":"{instruction}{query}","document_template":"{document}"}`)
	var out, logs bytes.Buffer
	warnIfNotSemantic(&out, slog.New(slog.NewTextHandler(&logs, nil)), dir)
	if !strings.Contains(out.String(), "NOT SEMANTIC") || !strings.Contains(logs.String(), "not semantic") {
		t.Fatalf("no loud warning: %q / %q", out.String(), logs.String())
	}
}

func TestParseServeConsoleFlag(t *testing.T) {
	st, err := parseServe(nil)
	if err != nil || st.opts.DisableConsole {
		t.Fatalf("console must be on by default: %+v %v", st.opts, err)
	}
	if st, err = parseServe([]string{"--ui=false"}); err != nil || !st.opts.DisableConsole {
		t.Fatalf("--ui=false: %+v %v", st.opts, err)
	}
	t.Setenv("INSTRUCTD_UI", "false")
	if st, err = parseServe(nil); err != nil || !st.opts.DisableConsole {
		t.Fatalf("INSTRUCTD_UI=false: %+v %v", st.opts, err)
	}
}
