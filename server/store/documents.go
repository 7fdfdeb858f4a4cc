package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutResult reports one Put transaction.
type PutResult struct {
	// Generation is the collection's generation after the write.
	Generation uint64
	// Added counts records whose id was new.
	Added int
	// Stale lists index keys that no longer exist: passage keys of replaced chunked
	// documents, and document keys that were replaced by a chunked version or vice versa.
	Stale []uint64
}

// Put writes records in one fsynced transaction, replacing existing ids. It assigns
// recs[i].Key (an existing id keeps its key) and every passage's Key (always fresh).
// Ids must be unique within recs. Nothing is written when it returns an error (the
// keys it set are then meaningless).
func (s *Store) Put(coll string, recs []Record) (PutResult, error) {
	var res PutResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		res = PutResult{}
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		docs, keys := b.Bucket(bucketDocs), b.Bucket(bucketKeys)
		for i := range recs {
			r := &recs[i]
			if r.ID == "" {
				return errors.New("empty document id")
			}
			if old := docs.Get([]byte(r.ID)); old != nil {
				prev, err := decodeRecord(old, false)
				if err != nil {
					return fmt.Errorf("document %q: %w", r.ID, err)
				}
				r.Key = prev.Key
				for _, p := range prev.Passages {
					res.Stale = append(res.Stale, p.Key)
					if err := keys.Delete(keyBytes(p.Key)); err != nil {
						return err
					}
				}
				if len(prev.Passages) == 0 && len(r.Passages) > 0 {
					res.Stale = append(res.Stale, prev.Key)
				}
			} else {
				if r.Key, err = docs.NextSequence(); err != nil {
					return err
				}
				res.Added++
				if err := keys.Put(keyBytes(r.Key), refValue(r.ID, -1)); err != nil {
					return err
				}
			}
			for j := range r.Passages {
				p := &r.Passages[j]
				if p.Key, err = docs.NextSequence(); err != nil {
					return err
				}
				if err := keys.Put(keyBytes(p.Key), refValue(r.ID, j)); err != nil {
					return err
				}
			}
			// bbolt keeps a reference to the value until commit: one buffer per record.
			if err := docs.Put([]byte(r.ID), encodeRecord(nil, r)); err != nil {
				return fmt.Errorf("document %q: %w", r.ID, err)
			}
		}
		if res.Generation, err = bumpGeneration(tx, b); err != nil {
			return err
		}
		ids := make([]string, len(recs))
		for i := range recs {
			ids[i] = recs[i].ID
		}
		return logWrite(b, res.Generation, ids, res.Stale)
	})
	if err != nil {
		return PutResult{}, fmt.Errorf("store: put %d documents into %q: %w", len(recs), coll, err)
	}
	return res, nil
}

// Delete removes a document and its key mappings in one transaction, returning the
// removed record (without vectors) so the caller can drop its keys from the indexes.
func (s *Store) Delete(coll, id string) (Record, uint64, error) {
	var (
		prev Record
		gen  uint64
	)
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		docs, keys := b.Bucket(bucketDocs), b.Bucket(bucketKeys)
		old := docs.Get([]byte(id))
		if old == nil {
			return ErrNotFound
		}
		if prev, err = decodeRecord(old, false); err != nil {
			return err
		}
		if err := keys.Delete(keyBytes(prev.Key)); err != nil {
			return err
		}
		for _, p := range prev.Passages {
			if err := keys.Delete(keyBytes(p.Key)); err != nil {
				return err
			}
		}
		if err := docs.Delete([]byte(id)); err != nil {
			return err
		}
		if gen, err = bumpGeneration(tx, b); err != nil {
			return err
		}
		dropped := []uint64{prev.Key}
		for _, p := range prev.Passages {
			dropped = append(dropped, p.Key)
		}
		return logWrite(b, gen, []string{id}, dropped)
	})
	if err != nil {
		return Record{}, 0, fmt.Errorf("store: delete document %q from %q: %w", id, coll, err)
	}
	return prev, gen, nil
}

// Get reads one document with its vectors.
func (s *Store) Get(coll, id string) (Record, error) {
	recs, err := s.GetMany(coll, []string{id}, true)
	if err != nil {
		return Record{}, err
	}
	if recs[0] == nil {
		return Record{}, fmt.Errorf("store: document %q in %q: %w", id, coll, ErrNotFound)
	}
	return *recs[0], nil
}

// GetMany reads documents in one read transaction; missing ids give nil entries.
func (s *Store) GetMany(coll string, ids []string, withVectors bool) ([]*Record, error) {
	out := make([]*Record, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		docs := b.Bucket(bucketDocs)
		for i, id := range ids {
			v := docs.Get([]byte(id))
			if v == nil {
				continue
			}
			r, err := decodeRecord(v, withVectors)
			if err != nil {
				return fmt.Errorf("document %q: %w", id, err)
			}
			out[i] = &r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: get from %q: %w", coll, err)
	}
	return out, nil
}

// Scan calls fn for every document of a collection inside one read transaction and
// returns the generation that snapshot of the collection had. A record that fails to
// decode stops the scan with ErrCorrupt.
func (s *Store) Scan(coll string, withVectors bool, fn func(Record) error) (uint64, error) {
	var gen uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, coll)
		if err != nil {
			return err
		}
		gen = generation(b)
		return b.Bucket(bucketDocs).ForEach(func(k, v []byte) error {
			r, err := decodeRecord(v, withVectors)
			if err != nil {
				return fmt.Errorf("document %q: %w", k, err)
			}
			return fn(r)
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: scan %q: %w", coll, err)
	}
	return gen, nil
}

// keyBytes is a uint64 key as 8 big-endian bytes.
func keyBytes(k uint64) []byte { return binary.BigEndian.AppendUint64(nil, k) }

// refValue encodes the keys-bucket value: string id then uvarint(passage+1).
func refValue(id string, passage int) []byte {
	return binary.AppendUvarint(appendString(nil, id), uint64(passage+1))
}
