package server

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// pidFile, in the data directory, names the process that holds the store's lock. The lock
// itself is the store file's flock; this file only lets a second server say who holds it.
const pidFile = "instructd.pid"

// writePIDFile records this process as the data directory's owner (best effort).
func writePIDFile(dataDir string, log *slog.Logger) {
	// Best effort and not atomic on purpose: the flock is the lock; this only names its holder.
	if err := os.WriteFile(filepath.Join(dataDir, pidFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		log.Warn("could not write the pid file", "err", err)
	}
}

// removePIDFile removes the pid file if it still names this process.
func removePIDFile(dataDir string) {
	path := filepath.Join(dataDir, pidFile)
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		_ = os.Remove(path)
	}
}

// dataDirInUse is the start-up error when another process holds the data directory.
func dataDirInUse(dataDir string) error {
	who := "another instructd"
	if b, err := os.ReadFile(filepath.Join(dataDir, pidFile)); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			who = fmt.Sprintf("another instructd (pid %d)", pid)
		}
	}
	return fmt.Errorf("server: data directory %s is in use by %s: stop that server, or start this one on another directory with --data DIR (INSTRUCTD_DATA)", dataDir, who)
}
