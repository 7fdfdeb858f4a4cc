package main

import (
	"context"
	"errors"
)

// runEval is a placeholder until its issue lands.
func runEval(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
