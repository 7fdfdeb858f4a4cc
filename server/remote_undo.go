package server

import (
	"context"
	"errors"

	"github.com/instructd/instructd/server/backend"
)

// remoteUndo restores the state before a failed upsert of ids: the previous versions
// (prev[i] of ids[i]) are written back and the ids that had none are deleted.
func (s *Server) remoteUndo(ctx context.Context, c *collection, prev []*backend.Record, ids []string) error {
	var back []backend.Record
	var gone []string
	for i, p := range prev {
		if p != nil {
			back = append(back, *p)
		} else {
			gone = append(gone, ids[i])
		}
	}
	if len(back) > 0 {
		errs, err := s.remote.b.Put(ctx, c.name, back)
		if err != nil {
			return err
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		if _, err := s.remote.b.DeleteMany(ctx, c.name, gone); err != nil {
			return err
		}
	}
	return nil
}
