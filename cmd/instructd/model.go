package main

import (
	"context"
	"errors"
)

// runModel is a placeholder until its issue lands.
func runModel(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
