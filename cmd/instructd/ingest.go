package main

import (
	"context"
	"errors"
)

// runIngest is a placeholder until its issue lands.
func runIngest(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
