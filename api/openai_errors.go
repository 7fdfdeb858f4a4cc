package api

import (
	"net/http"
	"strings"
)

// The OpenAI-compatible routes answer errors in OpenAI's shape, so that code written for
// OpenAI's SDKs (which read error.message, error.type, error.param and error.code) works
// unchanged against instructd: {"error": {"message", "type", "param", "code"}}.

// openAIPath reports whether path is one of the OpenAI-compatible routes.
func openAIPath(path string) bool {
	return path == "/v1/embeddings" || path == "/v1/models" || strings.HasPrefix(path, "/v1/models/")
}

// openAIErrorBody is OpenAI's error envelope.
type openAIErrorBody struct {
	Error openAIErrorDetail `json:"error"`
}

// openAIErrorDetail is OpenAI's error object; Param is null when no field is at fault.
type openAIErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// openAIError converts our error detail for an answer with the given status.
func openAIError(status int, d errorDetail) openAIErrorDetail {
	out := openAIErrorDetail{Message: d.Message, Type: openAIErrorType(status), Code: d.Code}
	if d.Field != "" {
		f := d.Field
		out.Param = &f
	}
	return out
}

// openAIErrorType is the "type" OpenAI uses for a status.
func openAIErrorType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request_error"
	}
}
