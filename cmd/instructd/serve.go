package main

import (
	"context"
	"errors"
)

// runServe is a placeholder until its issue lands.
func runServe(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
