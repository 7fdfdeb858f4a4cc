package server

import (
	"errors"
	"fmt"
)

// Sentinel errors that api maps to HTTP statuses (see api/errors.go).
var (
	// ErrNotFound: unknown collection, document or model (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the collection exists with another spec (409).
	ErrConflict = errors.New("conflict")
	// ErrInvalidInput: the request is malformed or out of range (400/422).
	ErrInvalidInput = errors.New("invalid input")
	// ErrOverloaded: the embedding queue is full; retry later (429/503 with Retry-After).
	ErrOverloaded = errors.New("overloaded")
	// ErrUnavailable: the server is starting or shutting down (503).
	ErrUnavailable = errors.New("unavailable")
	// ErrLoading: the collection is still recovering at start-up (503 with Retry-After).
	ErrLoading = fmt.Errorf("still loading, retry shortly: %w", ErrUnavailable)
)

// InputError is an ErrInvalidInput that names the offending field.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// Unwrap makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// invalid builds an InputError.
func invalid(field, format string, args ...any) error {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}
