package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Error is a non-2xx answer from the server.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the API's error code, e.g. "not_found", "invalid_input", "overloaded".
	Code string
	// Message is the server's explanation.
	Message string
	// Field names the offending request field, when the server said.
	Field string
	// RetryAfter is the server's Retry-After hint (429, 503), or 0.
	RetryAfter time.Duration
}

// Error formats the message with the status and code: "collection "x" not found (404 not_found)".
func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d %s)", e.Message, e.Status, e.Code)
}

// errorDetail mirrors the API's {"error":{...}} body.
type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// readError builds an *Error from a non-2xx response.
func readError(resp *http.Response) error {
	e := &Error{Status: resp.StatusCode}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var body struct {
		Error errorDetail `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message, e.Field = body.Error.Code, body.Error.Message, body.Error.Field
	} else {
		e.Code, e.Message = "http_"+strconv.Itoa(resp.StatusCode), string(b)
	}
	return e
}
