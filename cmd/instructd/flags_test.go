package main

import (
	"flag"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// TestParseFlagsAnywhere checks flags after positional arguments and "--".
func TestParseFlagsAnywhere(t *testing.T) {
	for _, tc := range []struct {
		args []string
		k    int
		coll string
		pos  []string
	}{
		{[]string{"--collection", "c", "zebra", "-k", "1"}, 1, "c", []string{"zebra"}},
		{[]string{"zebra", "stripes", "--k=3", "--collection=c"}, 3, "c", []string{"zebra", "stripes"}},
		{[]string{"-k", "2", "--", "-k", "zebra"}, 2, "", []string{"-k", "zebra"}},
		{[]string{}, 10, "", []string{}},
	} {
		fs := newFlags("search", "search")
		k := fs.Int("k", 10, "")
		coll := fs.String("collection", "", "")
		if err := parseFlags(fs, tc.args); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		pos := fs.Args()
		if pos == nil {
			pos = []string{}
		}
		if *k != tc.k || *coll != tc.coll || !reflect.DeepEqual(pos, tc.pos) {
			t.Errorf("%q: k=%d collection=%q args=%q, want %d %q %q", tc.args, *k, *coll, pos, tc.k, tc.coll, tc.pos)
		}
	}
	fs := newFlags("search", "search")
	fs.Int("k", 10, "")
	if err := parseFlags(fs, []string{"zebra", "--nope"}); err == nil || !strings.Contains(err.Error(), "--help") {
		t.Errorf("unknown flag after a positional: %v, want an error pointing to --help", err)
	}
	if err := parseFlags(fs, []string{"zebra", "-h"}); err != flag.ErrHelp {
		t.Errorf("-h after a positional: %v, want flag.ErrHelp", err)
	}
}

// TestHelpStyle runs the binary: every command's -h, --help and `help CMD` exit 0 and print a
// usage line and examples on stdout; --version names the ONNX Runtime.
func TestHelpStyle(t *testing.T) {
	bin := buildBinary(t)
	runBin := func(args ...string) (string, string, int) {
		cmd := exec.Command(bin, args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	for name := range commands() {
		for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {"help", name}} {
			out, errOut, code := runBin(args...)
			if code != 0 || !strings.HasPrefix(out, "usage: instructd "+name) || !strings.Contains(out, "examples:") {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 with a usage line and examples on stdout", args, code, out, errOut)
			}
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"model", "-h"}} {
		if out, _, code := runBin(args...); code != 0 || !strings.Contains(out, "usage: instructd") {
			t.Errorf("%q: exit %d, stdout %q", args, code, out)
		}
	}
	if _, errOut, code := runBin("nope"); code != 2 || !strings.Contains(errOut, `unknown command "nope"`) {
		t.Errorf("unknown command: exit %d, stderr %q", code, errOut)
	}
	out, _, code := runBin("--version")
	if code != 0 || !strings.HasPrefix(out, "instructd ") || !strings.Contains(out, "commit ") || !strings.Contains(out, "ONNX Runtime") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

// TestRefusedConnectionHint checks that a CLI command against no server names --server.
func TestRefusedConnectionHint(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run([]string{"search", "--collection", "c", "--server", "http://127.0.0.1:9", "zebra"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "cannot reach instructd at http://127.0.0.1:9") ||
		!strings.Contains(stderr.String(), "--server") || strings.Contains(stderr.String(), "client:") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
