package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/instructd/instructd/internal/errtext"
	"github.com/instructd/instructd/server"
)

// Error codes carried in {"error":{"code":...}}.
const (
	codeInvalidInput     = "invalid_input"
	codeInvalidJSON      = "invalid_json"
	codeNotFound         = "not_found"
	codeModelNotFound    = "model_not_found"
	codeConflict         = "conflict"
	codeTooLarge         = "payload_too_large"
	codeUnsupportedMedia = "unsupported_media_type"
	codeUnauthorized     = "unauthorized"
	codeForbidden        = "forbidden"
	codeMethodNotAllowed = "method_not_allowed"
	codeOverloaded       = "overloaded"
	codeUnavailable      = "unavailable"
	codeTimeout          = "timeout"
	codeCanceled         = "canceled"
	codeInternal         = "internal"
)

// statusClientClosed is nginx's 499: the client went away before the answer.
const statusClientClosed = 499

// httpError is an error raised by the HTTP layer itself (decoding, routing, auth).
type httpError struct {
	status  int
	code    string
	message string
	field   string
}

func (e *httpError) Error() string { return e.message }

// badRequest builds a 400 invalid_input error naming field.
func badRequest(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &httpError{status: http.StatusBadRequest, code: codeInvalidInput, message: msg, field: field}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is the inner object of errorBody.
type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// classify maps any error to a status, a Retry-After value ("" for none) and the body.
// It is the one place where server errors become HTTP statuses. Messages lose the
// internal "package: " prefixes that wrapping adds: a client reads one sentence.
func classify(err error) (status int, retryAfter string, d errorDetail) {
	status, retryAfter, d = classifyRaw(err)
	d.Message = errtext.Clean(d.Message)
	return status, retryAfter, d
}

func classifyRaw(err error) (status int, retryAfter string, d errorDetail) {
	var he *httpError
	var ie *server.InputError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he.status, "", errorDetail{Code: he.code, Message: he.message, Field: he.field}
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, "", errorDetail{Code: codeTooLarge,
			Message: fmt.Sprintf("request body is larger than the limit of %d bytes", mbe.Limit)}
	case errors.As(err, &ie):
		return http.StatusBadRequest, "", errorDetail{Code: codeInvalidInput, Message: ie.Error(), Field: ie.Field}
	case errors.Is(err, server.ErrInvalidInput):
		return http.StatusBadRequest, "", errorDetail{Code: codeInvalidInput, Message: err.Error()}
	case errors.Is(err, server.ErrNotFound):
		return http.StatusNotFound, "", errorDetail{Code: codeNotFound, Message: err.Error()}
	case errors.Is(err, server.ErrConflict):
		return http.StatusConflict, "", errorDetail{Code: codeConflict, Message: err.Error()}
	case errors.Is(err, server.ErrOverloaded):
		return http.StatusTooManyRequests, "1", errorDetail{Code: codeOverloaded, Message: err.Error()}
	case errors.Is(err, server.ErrUnavailable):
		return http.StatusServiceUnavailable, "5", errorDetail{Code: codeUnavailable, Message: err.Error()}
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "", errorDetail{Code: codeTimeout, Message: "the request took longer than the server's timeout"}
	case errors.Is(err, context.Canceled):
		return statusClientClosed, "", errorDetail{Code: codeCanceled, Message: "the request was canceled"}
	default:
		return http.StatusInternalServerError, "", errorDetail{Code: codeInternal, Message: "internal error"}
	}
}

// writeError answers err as JSON. Internal errors are logged with the request id and
// shown to the client only as "internal error (request id ...)".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, retryAfter, d := classify(err)
	if status == http.StatusInternalServerError {
		id := RequestID(r.Context())
		log.ErrorContext(r.Context(), "api: internal error", "request_id", id,
			"method", r.Method, "path", r.URL.Path, "err", err)
		d.Message = fmt.Sprintf("internal error (request id %s)", id)
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if openAIPath(r.URL.Path) {
		writeJSON(w, status, openAIErrorBody{Error: openAIError(status, d)})
		return
	}
	writeJSON(w, status, errorBody{Error: d})
}
