package delivery

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestNormalizePhoneVN(t *testing.T) {
	good := map[string]string{
		"0912345678":       "+84912345678",
		"0912 345 678":     "+84912345678",
		"091.234.5678":     "+84912345678",
		"+84 912-345-678":  "+84912345678",
		"+84 0912 345 678": "+84912345678",
		"84912345678":      "+84912345678",
		"0084912345678":    "+84912345678",
		"0386 123 456":     "+84386123456",
		"(0272) 3826 123":  "+842723826123",
		"+842723826123":    "+842723826123",
	}
	for in, want := range good {
		if got, err := NormalizePhoneVN(in); err != nil || got != want {
			t.Errorf("NormalizePhoneVN(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12345", "+1 202 555 0100", "01912345678", "0912345", "09123456789", "0912a45678", "091234567890", "+84+912345678"} {
		if got, err := NormalizePhoneVN(in); err == nil {
			t.Errorf("NormalizePhoneVN(%q) = %q, want an error", in, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, max := time.Second, time.Minute
	tests := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{0, 0, 500 * time.Millisecond}, // treated as attempt 1
		{1, 0, 500 * time.Millisecond},
		{1, 0.999999, time.Second - time.Microsecond},
		{2, 0, time.Second},
		{3, 0.5, 3 * time.Second},
		{6, 0, 16 * time.Second},
		{7, 0, 30 * time.Second}, // 64 s capped at one minute
		{7, 1, time.Minute},
		{10000, 0, 30 * time.Second}, // no overflow
	}
	for _, tc := range tests {
		got := BackoffRand(tc.attempt, base, max, func() float64 { return tc.rnd })
		if got.Round(time.Millisecond) != tc.want.Round(time.Millisecond) {
			t.Errorf("attempt %d rnd %v: %v, want %v", tc.attempt, tc.rnd, got, tc.want)
		}
	}
	for attempt := 1; attempt < 20; attempt++ {
		d := Backoff(attempt, base, max)
		if d < base/2 || d > max {
			t.Errorf("attempt %d: %v out of range", attempt, d)
		}
	}
	if d := Backoff(3, 0, max); d != 0 {
		t.Errorf("zero base: %v", d)
	}
}

func TestClassificationHelpers(t *testing.T) {
	cause := errors.New("boom")
	p := MarkPermanent(cause)
	wrapped := fmt.Errorf("outbox row 7: %w", p)
	if !IsPermanent(wrapped) || IsRetryable(wrapped) || !errors.Is(wrapped, cause) {
		t.Error("wrapped permanent error not recognised")
	}
	if MarkPermanent(nil) != nil || IsRetryable(nil) || IsPermanent(nil) {
		t.Error("nil handling")
	}
	if MarkPermanent(p) != p {
		t.Error("double wrap")
	}
	if !IsRetryable(cause) {
		t.Error("plain error should be retryable")
	}
	se := fmt.Errorf("x: %w", &StatusError{Op: "sms", StatusCode: 429, RetryAfter: 5 * time.Second})
	if d, ok := RetryAfter(se); !ok || d != 5*time.Second {
		t.Errorf("RetryAfter = %v %v", d, ok)
	}
	if d := Delay(se, 10, time.Second, time.Minute); d < 30*time.Second {
		t.Errorf("Delay should keep the longer backoff: %v", d)
	}
	now := time.Now()
	for in, want := range map[string]time.Duration{"": 0, "-3": 0, "0": 0, "abc": 0, "7": 7 * time.Second, "99999999999": maxRetryAfter} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
