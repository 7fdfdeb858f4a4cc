package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketLog   = []byte("log")
	keyLogStart = []byte("logstart")
)

// Changes is what the change log says happened to a collection after a generation.
type Changes struct {
	// IDs are the documents written or deleted (each once, first change first).
	IDs []string
	// Dropped are index keys that left the indexes: keys of deleted documents and
	// stale passage (or document) keys of replaced ones. Some may be current again.
	Dropped []uint64
	// Writes is the number of logged write transactions.
	Writes int
}

// logWrite appends one write transaction's entry to the collection's change log:
// uvarint id count, the ids, uvarint key count, the dropped keys.
func logWrite(b *bolt.Bucket, gen uint64, ids []string, dropped []uint64) error {
	lb, err := b.CreateBucketIfNotExists(bucketLog)
	if err != nil {
		return err
	}
	var v []byte
	v = binary.AppendUvarint(v, uint64(len(ids)))
	for _, id := range ids {
		v = appendString(v, id)
	}
	v = binary.AppendUvarint(v, uint64(len(dropped)))
	for _, k := range dropped {
		v = binary.AppendUvarint(v, k)
	}
	return lb.Put(keyBytes(gen), v)
}

// startLog marks the change log complete for every generation after gen.
func startLog(b *bolt.Bucket, gen uint64) error {
	return b.Put(keyLogStart, keyBytes(gen))
}

// ChangesSince returns the writes logged after generation after. ok is false when the
// log cannot tell: it starts after that generation (trimmed past it, or the collection
// predates the log), and the caller must rebuild from the documents instead.
func (s *Store) ChangesSince(coll string, after uint64) (ch Changes, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		start := b.Get(keyLogStart)
		if len(start) != 8 || binary.BigEndian.Uint64(start) > after {
			return nil
		}
		ok = true
		lb := b.Bucket(bucketLog)
		if lb == nil {
			return nil
		}
		seen := map[string]bool{}
		cur := lb.Cursor()
		for k, v := cur.Seek(keyBytes(after + 1)); k != nil; k, v = cur.Next() {
			d := decoder{buf: v}
			n := d.uvarint()
			for i := uint64(0); i < n && d.err == nil; i++ {
				id := string(d.bytes())
				if d.err == nil && !seen[id] {
					seen[id] = true
					ch.IDs = append(ch.IDs, id)
				}
			}
			n = d.uvarint()
			for i := uint64(0); i < n && d.err == nil; i++ {
				ch.Dropped = append(ch.Dropped, d.uvarint())
			}
			if d.err != nil {
				return fmt.Errorf("change log entry %d: %w", binary.BigEndian.Uint64(k), d.err)
			}
			ch.Writes++
		}
		return nil
	})
	if err != nil {
		return Changes{}, false, fmt.Errorf("store: change log of %q: %w", coll, err)
	}
	return ch, ok, nil
}

// TrimLog drops the change log's entries up to generation gen, once a snapshot of
// the collection at gen is durable; the log then covers every write after gen.
func (s *Store) TrimLog(coll string, gen uint64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		if start := b.Get(keyLogStart); len(start) == 8 && binary.BigEndian.Uint64(start) >= gen {
			return nil
		}
		if lb := b.Bucket(bucketLog); lb != nil {
			cur := lb.Cursor()
			for k, _ := cur.First(); k != nil && binary.BigEndian.Uint64(k) <= gen; k, _ = cur.Next() {
				if err := cur.Delete(); err != nil {
					return err
				}
			}
		}
		return startLog(b, gen)
	})
	if err != nil {
		return fmt.Errorf("store: trim change log of %q: %w", coll, err)
	}
	return nil
}

// LogLen is the number of logged write transactions (for stats and tests).
func (s *Store) LogLen(coll string) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		if lb := b.Bucket(bucketLog); lb != nil {
			n = lb.Stats().KeyN
		}
		return nil
	})
	return n, err
}
