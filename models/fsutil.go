package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Packs appear atomically: files are written into a staging directory beside dest, each file
// is fsynced, then the staging directory, then it is renamed to dest and the parent is fsynced.
// A crash leaves either no pack or a complete one.

// syncDir fsyncs a directory so that entries created or renamed in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// writeManifest writes m as indented JSON to dir/instructd.json and fsyncs it.
func writeManifest(dir string, m Manifest) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("models: encode manifest: %w", err)
	}
	return writeFileSync(filepath.Join(dir, ManifestFile), append(raw, '\n'))
}

// writeFileSync creates path with data and fsyncs it.
func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyFileHashed copies src to dst, fsyncs dst and returns the hex SHA-256 of the contents.
func copyFileHashed(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		out.Close()
		return "", fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// publishDir makes the staged pack visible at dest: fsync staging, rename, fsync the parent.
func publishDir(staging, dest string) error {
	if err := syncDir(staging); err != nil {
		return err
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("%s already exists", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(staging, dest); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dest))
}

// prefixedError puts context before an error while keeping a single "models: " prefix.
type prefixedError struct {
	msg string
	err error
}

func (e *prefixedError) Error() string { return e.msg }
func (e *prefixedError) Unwrap() error { return e.err }

// wrap returns err as "models: <context>: <err without its own models: prefix>".
func wrap(err error, format string, args ...any) error {
	return &prefixedError{
		msg: "models: " + fmt.Sprintf(format, args...) + ": " + strings.TrimPrefix(err.Error(), "models: "),
		err: err,
	}
}

// exists reports whether path exists (any kind of file).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
