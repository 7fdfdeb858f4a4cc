package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ScanFrom calls fn for the documents of a collection in id order, starting after the
// id after ("" starts at the first), inside one read transaction, until fn returns
// false. It returns the collection's generation in that transaction.
func (s *Store) ScanFrom(coll, after string, withVectors bool, fn func(Record) (bool, error)) (uint64, error) {
	var gen uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		gen = generation(b)
		cur := b.Bucket(bucketDocs).Cursor()
		k, v := cur.First()
		if after != "" {
			k, v = cur.Seek([]byte(after))
			if k != nil && string(k) == after {
				k, v = cur.Next()
			}
		}
		for ; k != nil; k, v = cur.Next() {
			r, err := decodeRecord(v, withVectors)
			if err != nil {
				return fmt.Errorf("document %q: %w", k, err)
			}
			more, err := fn(r)
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: scan %q: %w", coll, err)
	}
	return gen, nil
}

// DeleteMany removes documents in one transaction and returns the removed records
// (without vectors) and the generation; unknown ids are skipped. With no id found,
// nothing is written and the generation is 0.
func (s *Store) DeleteMany(coll string, ids []string) ([]Record, uint64, error) {
	var (
		removed []Record
		gen     uint64
	)
	err := s.db.Update(func(tx *bolt.Tx) error {
		removed = nil
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		docs, keys := b.Bucket(bucketDocs), b.Bucket(bucketKeys)
		var dropped []uint64
		var gone []string
		for _, id := range ids {
			old := docs.Get([]byte(id))
			if old == nil {
				continue
			}
			prev, err := decodeRecord(old, false)
			if err != nil {
				return fmt.Errorf("document %q: %w", id, err)
			}
			dropped = append(dropped, prev.Key)
			if err := keys.Delete(keyBytes(prev.Key)); err != nil {
				return err
			}
			for _, p := range prev.Passages {
				dropped = append(dropped, p.Key)
				if err := keys.Delete(keyBytes(p.Key)); err != nil {
					return err
				}
			}
			if err := docs.Delete([]byte(id)); err != nil {
				return err
			}
			removed = append(removed, prev)
			gone = append(gone, id)
		}
		if len(removed) == 0 {
			return nil
		}
		if gen, err = bumpGeneration(tx, b); err != nil {
			return err
		}
		return logWrite(b, gen, gone, dropped)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: delete %d documents from %q: %w", len(ids), coll, err)
	}
	return removed, gen, nil
}

// SetInfo replaces a collection's opaque info (its spec) in one transaction.
func (s *Store) SetInfo(coll string, info []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		return b.Put(keyInfo, info)
	})
	if err != nil {
		return fmt.Errorf("store: set info of %q: %w", coll, err)
	}
	return nil
}

// Bytes is the space the collection's pages use in the store file.
func (s *Store) Bytes(coll string) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		st := b.Stats()
		n = int64(st.BranchInuse + st.LeafInuse + st.InlineBucketInuse)
		return nil
	})
	return n, err
}

// Export reads a consistent copy of a collection in one read transaction: head gets
// the generation and document count, then fn every document with its vectors, in id
// order. Writers are not blocked meanwhile (bbolt readers see a snapshot).
func (s *Store) Export(coll string, head func(gen uint64, n int) error, fn func(Record) error) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		docs := b.Bucket(bucketDocs)
		if err := head(generation(b), docs.Stats().KeyN); err != nil {
			return err
		}
		return docs.ForEach(func(k, v []byte) error {
			r, err := decodeRecord(v, true)
			if err != nil {
				return fmt.Errorf("document %q: %w", k, err)
			}
			return fn(r)
		})
	})
	if err != nil {
		return fmt.Errorf("store: export %q: %w", coll, err)
	}
	return nil
}
