package main

import (
	"context"
	"errors"
)

// runSearch is a placeholder until its issue lands.
func runSearch(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
