// Package delivery holds the transports the outbox jobs deliver through:
// SMTP mail, an HTTP SMS gateway and the national portal. Each transport
// sends one message and classifies a failure, so that the caller can decide
// between "try again later" and "record as failed and show an administrator":
//
//   - IsPermanent(err): retrying the same message cannot succeed (an SMTP 5xx
//     reply to the message, an HTTP 4xx other than 408/429, an invalid phone
//     number or address). Record it as failed.
//   - IsRetryable(err): everything else (network errors, timeouts, SMTP 4xx,
//     HTTP 408/429/5xx, a cancelled context). Schedule another attempt with
//     Delay or Backoff.
//
// Delivery is at least once: every message carries a stable key (Message-ID
// or Idempotency-Key) so that the receiver can drop a repeat.
package delivery

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Permanent wraps an error that retrying will not fix.
type Permanent struct {
	Err error
}

func (p *Permanent) Error() string { return "permanent: " + p.Err.Error() }

// Unwrap exposes the cause to errors.Is and errors.As.
func (p *Permanent) Unwrap() error { return p.Err }

// MarkPermanent wraps err as a Permanent failure; nil stays nil.
func MarkPermanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &Permanent{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is Permanent.
func IsPermanent(err error) bool {
	var p *Permanent
	return errors.As(err, &p)
}

// IsRetryable reports whether a failed delivery should be tried again: any
// non-nil error that is not Permanent.
func IsRetryable(err error) bool {
	return err != nil && !IsPermanent(err)
}

// StatusError is an HTTP answer outside 2xx from a gateway or the portal.
// Body holds the start of the response body for the administrator.
type StatusError struct {
	Op         string // e.g. "portal publish"
	StatusCode int
	Body       string
	// RetryAfter is the wait the server asked for (Retry-After), or zero.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		s += ": " + e.Body
	}
	if e.RetryAfter > 0 {
		s += " (retry after " + e.RetryAfter.String() + ")"
	}
	return s
}

// RetryAfter returns the wait a server asked for with Retry-After, when err
// carries one.
func RetryAfter(err error) (time.Duration, bool) {
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return se.RetryAfter, true
	}
	return 0, false
}

// maxRetryAfter bounds what a server may ask for, so a broken header cannot
// park a message for months.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
