package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/instructd/instructd/embed"
)

// version and commit are set at build time (the Makefile does):
// go build -ldflags "-X main.version=v0.3.0 -X main.commit=$(git rev-parse HEAD)".
// Without them the commit comes from the Go toolchain's VCS stamp, when there is one.
var version, commit = "dev", ""

// printVersion prints the version, the commit the binary was built from, the Go version and
// the ONNX Runtime library that serve and embed would load (and its version).
func printVersion(w io.Writer) {
	rev, modified, goVersion := commit, false, "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" {
		rev = "unknown (build with make build, or go build with -buildvcs)"
	} else if modified {
		rev += " (modified)"
	}
	fmt.Fprintf(w, "instructd %s\ncommit %s\n%s\n", version, rev, goVersion)
	lib := embed.ResolveLibrary("")
	rt, err := embed.OpenRuntime(lib)
	if err != nil {
		fmt.Fprintf(w, "ONNX Runtime: not loadable from %q (set INSTRUCTD_ORT_LIB or --ort-lib): %v\n", lib, err)
		return
	}
	defer rt.Close()
	fmt.Fprintf(w, "ONNX Runtime %s (%s)\n", rt.Version(), lib)
}
