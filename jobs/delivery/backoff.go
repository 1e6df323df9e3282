package delivery

import (
	"math/rand/v2"
	"time"
)

// Backoff returns how long to wait before attempt number attempt+1, after
// attempt failed (attempt counts from 1). The ceiling doubles with every
// attempt, base, 2·base, 4·base, … up to max, and the wait is drawn with
// "equal jitter": half the ceiling fixed, half random. Equal rather than full
// jitter so that a retry never comes right away against a server that just
// failed, while instances that failed together still spread out.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	return BackoffRand(attempt, base, max, rand.Float64)
}

// BackoffRand is Backoff with the random source injected (rnd returns a
// value in [0,1)), for deterministic tests.
func BackoffRand(attempt int, base, max time.Duration, rnd func() float64) time.Duration {
	if base <= 0 {
		return 0
	}
	if max < base {
		max = base
	}
	if attempt < 1 {
		attempt = 1
	}
	ceiling := base
	// Double step by step: a shift by attempt-1 overflows for large attempts.
	for i := 1; i < attempt && ceiling < max; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, max)
	half := ceiling / 2
	return half + time.Duration(rnd()*float64(ceiling-half))
}

// Delay is the wait before the next attempt after err: the backoff for
// attempt, or longer when the server asked for it with Retry-After.
func Delay(err error, attempt int, base, max time.Duration) time.Duration {
	d := Backoff(attempt, base, max)
	if ra, ok := RetryAfter(err); ok && ra > d {
		return ra
	}
	return d
}
