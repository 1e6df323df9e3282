package models

import (
	"errors"
	"strings"
)

// Errors the operations return; app maps them to HTTP statuses.
var (
	ErrNotFound    = errors.New("not found")
	ErrForbidden   = errors.New("forbidden")
	ErrConflict    = errors.New("state does not allow this")
	ErrUnavailable = errors.New("database unavailable")
)

// Refusal is an action refused for a reason people can read: Key is the
// catalog sentence that says why. It is ErrConflict or ErrForbidden to
// whoever only asks for the kind (errors.Is).
type Refusal struct {
	Err error
	Key string
}

func (r *Refusal) Error() string { return r.Err.Error() + " (" + r.Key + ")" }
func (r *Refusal) Unwrap() error { return r.Err }

// refuse is a conflict with its reason.
func refuse(key string) error { return &Refusal{Err: ErrConflict, Key: key} }

// AsRefusal finds the reason of a refused action.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// FieldError is one invalid input field. Message is a catalog key
// (e.g. "err.required") that the interface translates; Params fill it.
type FieldError struct {
	Field   string         `json:"field"`
	Key     string         `json:"-"`
	Params  map[string]any `json:"-"`
	Message string         `json:"message"`
}

// ValidationError carries every invalid field of one input.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid input:")
	for _, f := range e.Fields {
		b.WriteString(" ")
		b.WriteString(f.Field)
		b.WriteString("=")
		b.WriteString(f.Key)
	}
	return b.String()
}

// Add records one invalid field.
func (e *ValidationError) Add(field, key string, params map[string]any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Key: key, Params: params})
}

// Has tells whether a field already has an error.
func (e *ValidationError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when there is nothing to report.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// AsValidation unwraps a ValidationError.
func AsValidation(err error) (*ValidationError, bool) {
	var v *ValidationError
	ok := errors.As(err, &v)
	return v, ok
}
