package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sentinel errors.
var (
	// ErrNotFound means the collection or document does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a collection with that name already exists.
	ErrExists = errors.New("store: collection exists")
	// ErrCorrupt means a stored record failed to decode.
	ErrCorrupt = errors.New("store: corrupt record")
)

var (
	bucketMeta        = []byte("meta")
	bucketCollections = []byte("collections")
	bucketDocs        = []byte("docs")
	bucketKeys        = []byte("keys")
	keyInfo           = []byte("info")
	keyGen            = []byte("gen")
)

// Options tunes Open.
type Options struct {
	// Timeout bounds the wait for the file lock held by another process (default 5s).
	Timeout time.Duration
	// NoSync skips fsync on commit. Tests only: it voids the durability guarantee.
	NoSync bool
}

// Store is the bbolt-backed document store. It is safe for concurrent use; bbolt
// serialises writers and lets readers run alongside them.
type Store struct {
	db *bolt.DB
}

// Collection is one stored collection as listed by Collections.
type Collection struct {
	Name string
	// Info is the opaque spec the caller stored at creation.
	Info []byte
	// Generation is the generation of the collection's last write.
	Generation uint64
}

// ErrLocked means another process holds the store file's lock (another server on the
// same data directory).
var ErrLocked = errors.New("the store file is locked by another process")

// Open opens (creating if needed) the store file at path.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketMeta); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketCollections)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file; pending transactions finish first.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// CreateCollection stores a new collection with the caller's info bytes.
func (s *Store) CreateCollection(name string, info []byte) (gen uint64, err error) {
	if name == "" {
		return 0, errors.New("store: empty collection name")
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		cols := tx.Bucket(bucketCollections)
		if cols.Bucket([]byte(name)) != nil {
			return ErrExists
		}
		b, err := cols.CreateBucket([]byte(name))
		if err != nil {
			return err
		}
		if _, err := b.CreateBucket(bucketDocs); err != nil {
			return err
		}
		if _, err := b.CreateBucket(bucketKeys); err != nil {
			return err
		}
		if err := b.Put(keyInfo, info); err != nil {
			return err
		}
		if gen, err = bumpGeneration(tx, b); err != nil {
			return err
		}
		return startLog(b, gen)
	})
	if err != nil {
		return 0, fmt.Errorf("store: create collection %q: %w", name, err)
	}
	return gen, nil
}

// Collections lists every stored collection.
func (s *Store) Collections() ([]Collection, error) {
	var out []Collection
	err := s.db.View(func(tx *bolt.Tx) error {
		cols := tx.Bucket(bucketCollections)
		return cols.ForEachBucket(func(k []byte) error {
			b := cols.Bucket(k)
			out = append(out, Collection{
				Name:       string(k),
				Info:       append([]byte(nil), b.Get(keyInfo)...),
				Generation: generation(b),
			})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list collections: %w", err)
	}
	return out, nil
}

// DeleteCollection removes a collection and all its documents in one transaction.
func (s *Store) DeleteCollection(name string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		cols := tx.Bucket(bucketCollections)
		if cols.Bucket([]byte(name)) == nil {
			return ErrNotFound
		}
		return cols.DeleteBucket([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("store: delete collection %q: %w", name, err)
	}
	return nil
}

// Generation returns the generation of the collection's last write.
func (s *Store) Generation(name string) (uint64, error) {
	var gen uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := collection(tx, name)
		if err != nil {
			return err
		}
		gen = generation(b)
		return nil
	})
	return gen, err
}

// collection returns a collection's bucket or ErrNotFound.
func collection(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	b := tx.Bucket(bucketCollections).Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("store: collection %q: %w", name, ErrNotFound)
	}
	return b, nil
}

func generation(b *bolt.Bucket) uint64 {
	v := b.Get(keyGen)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// bumpGeneration takes the next store-wide generation and records it on b.
func bumpGeneration(tx *bolt.Tx, b *bolt.Bucket) (uint64, error) {
	gen, err := tx.Bucket(bucketMeta).NextSequence()
	if err != nil {
		return 0, err
	}
	return gen, b.Put(keyGen, binary.BigEndian.AppendUint64(nil, gen))
}
