package server

import (
	"os"
	"time"
)

// EnvPauseSnapshot names a test hook for the crash test: when set to a file path, every
// snapshot pauses (for an hour, i.e. until the process is killed) after writing its
// index files and before its generation sidecar, having first created that file. The
// crash test waits for the file and kill -9s the server mid-snapshot. Never set it in
// production: snapshots would stop.
const EnvPauseSnapshot = "INSTRUCTD_TEST_PAUSE_SNAPSHOT"

// envHooks returns the hooks the environment asks for (none in production).
func envHooks() hooks {
	var h hooks
	if marker := os.Getenv(EnvPauseSnapshot); marker != "" {
		h.snapshotWritten = func(string) {
			_ = os.WriteFile(marker, []byte("paused\n"), 0o600)
			time.Sleep(time.Hour)
		}
	}
	return h
}
