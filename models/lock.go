package models

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// dirLock is an exclusive advisory lock (flock) on a lock file, so that two pulls of the same
// pack do not write the same partial files.
type dirLock struct {
	f    *os.File
	path string
}

// lockFile takes the lock at path without waiting; errBusy means another process holds it.
func lockFile(path string) (*dirLock, error) {
	for attempt := 0; attempt < 3; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, errBusy
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The holder before us may have removed the file after we opened it: then we locked
		// an orphan inode and must retry on the current file.
		fst, ferr := f.Stat()
		pst, perr := os.Stat(path)
		if ferr == nil && perr == nil && os.SameFile(fst, pst) {
			return &dirLock{f: f, path: path}, nil
		}
		f.Close()
	}
	return nil, errBusy
}

// errBusy reports a lock held by someone else.
var errBusy = errors.New("another pull of this pack is in progress")

// unlock removes the lock file and releases the lock.
func (l *dirLock) unlock() {
	os.Remove(l.path)
	l.f.Close()
}
