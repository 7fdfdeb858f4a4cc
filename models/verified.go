package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/instructd/instructd/internal/atomicfile"
)

// verifiedDir is where records of verified pack files live, under the user cache
// directory ($XDG_CACHE_HOME or ~/.cache): one JSON file per pack directory, named by
// a digest of its absolute path. A file whose size and modification time still match
// its record, and whose recorded digest is the one the manifest wants, is taken as
// verified, so a start does not hash gigabytes again. Pull and import verify every
// file (leaving the record behind); any change to a file's size or mtime makes the
// next load hash it again. Outside the pack, so read-only packs benefit too.
const verifiedDir = "instructd/verified"

// verifiedPath is the record of pack directory dir ("" when there is no cache directory).
func verifiedPath(dir string) string {
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(cache, filepath.FromSlash(verifiedDir), hex.EncodeToString(sum[:12])+".json")
}

// verifiedEntry is what the record keeps per file.
type verifiedEntry struct {
	Size    int64  `json:"size"`
	MtimeNS int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

// verifyWithCache checks every listed file, hashing only those the record does not
// vouch for, and rewrites the record when it learnt something (best effort: a
// read-only pack directory just means hashing again next time).
func verifyWithCache(dir string, files map[string]string) error {
	rec := readVerified(dir)
	changed := false
	for name, want := range files {
		if !validFileName(name) {
			return fmt.Errorf("models: file %q must be a plain relative path inside the pack", name)
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		st, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("models: verify %s: %w", name, err)
		}
		e, ok := rec[name]
		if ok && e.Size == st.Size() && e.MtimeNS == st.ModTime().UnixNano() && strings.EqualFold(e.SHA256, want) {
			continue
		}
		got, err := FileSHA256(path)
		if err != nil {
			return fmt.Errorf("models: verify %s: %w", name, err)
		}
		if !strings.EqualFold(got, want) {
			return fmt.Errorf("models: checksum mismatch for %s in %s: sha256 %s, manifest says %s", name, dir, got, want)
		}
		rec[name] = verifiedEntry{Size: st.Size(), MtimeNS: st.ModTime().UnixNano(), SHA256: got}
		changed = true
	}
	if p := verifiedPath(dir); changed && p != "" {
		if b, err := json.Marshal(rec); err == nil && os.MkdirAll(filepath.Dir(p), 0o700) == nil {
			_ = atomicfile.Write(p, b)
		}
	}
	return nil
}

// readVerified reads the record; a missing or unreadable one is empty.
func readVerified(dir string) map[string]verifiedEntry {
	rec := map[string]verifiedEntry{}
	p := verifiedPath(dir)
	if p == "" {
		return rec
	}
	b, err := os.ReadFile(p)
	if err == nil {
		_ = json.Unmarshal(b, &rec)
	}
	if rec == nil {
		rec = map[string]verifiedEntry{}
	}
	return rec
}
