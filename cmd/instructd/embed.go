package main

import (
	"context"
	"errors"
)

// runEmbed is a placeholder until its issue lands.
func runEmbed(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
