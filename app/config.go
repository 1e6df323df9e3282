// Package app is PAKN's HTTP side: routes, handlers for the web pages, the
// JSON API and Open311, sessions, CSRF, authorization and rate limits.
// Handlers stay thin: parse, call one business operation in models, render.
package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is what the HTTP side needs from the environment.
type Config struct {
	BaseURL        string
	Secret         []byte
	SubmitLimit    Rate
	LookupLimit    Rate
	TrustedProxies []string
	// FrameAncestors are the origins allowed to frame the /embed/ pages
	// (every other page: 'self' only).
	FrameAncestors []string
	// CORSOrigins may read the public read-only JSON APIs from a browser.
	CORSOrigins []string
	// Province is the name shown in the header (the root unit's name).
	Province string
	// FiguresTTL is how long the current year's statistics, shown on the
	// home page and /stats, are kept (0: computed for every page).
	FiguresTTL time.Duration
	// SecureCookies marks cookies Secure (when BaseURL is https).
	SecureCookies bool
	// MaxInFlight bounds the requests handled at once (PAKN_MAX_IN_FLIGHT;
	// 0: no bound); beyond it 503 with Retry-After. /healthz and /readyz
	// are never refused.
	MaxInFlight int
	// MetricsToken, when set, is the bearer token /metrics requires
	// (PAKN_METRICS_TOKEN); unset, /metrics answers 404 unless MetricsOpen.
	MetricsToken string
	// MetricsOpen serves /metrics without a token when none is set (--demo).
	MetricsOpen bool
	// OIDC is the citizens' sign-in (account_oidc.go).
	OIDC OIDCConfig
	// MailConfigured: PAKN_SMTP_URL is set, so reset links go by e-mail
	// (else they are shown once to the administrator).
	MailConfigured bool
}

// Rate is a request limit: N requests per Per; N == 0 turns it off.
type Rate struct {
	N   int
	Per time.Duration
}

// Off tells whether the limit is disabled.
func (r Rate) Off() bool { return r.N <= 0 }

// ParseRate reads "10/min", "100/h", "5/s" or "0".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "0" || s == "off" {
		return Rate{}, nil
	}
	n, unit, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/min or N/h", s)
	}
	v, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || v < 0 {
		return Rate{}, fmt.Errorf("rate %q: %q is not a count", s, n)
	}
	var per time.Duration
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	default:
		return Rate{}, fmt.Errorf("rate %q: unit must be s, min or h", s)
	}
	return Rate{N: v, Per: per}, nil
}

// Secret strength (PAKN_SECRET): long enough and varied enough that it is
// not a word or a run of one key; `openssl rand -hex 32` passes.
const (
	SecretMinLength   = 32
	SecretMinDistinct = 10
)

// CheckSecret tells whether a secret is strong enough to sign sessions and
// CSRF tokens.
func CheckSecret(secret []byte) error {
	if len(secret) < SecretMinLength {
		return fmt.Errorf("the secret must have at least %d characters (it has %d); make one with `openssl rand -hex 32`", SecretMinLength, len(secret))
	}
	distinct := map[byte]bool{}
	for _, b := range secret {
		distinct[b] = true
	}
	if len(distinct) < SecretMinDistinct {
		return fmt.Errorf("the secret must have at least %d distinct characters (it has %d); make one with `openssl rand -hex 32`", SecretMinDistinct, len(distinct))
	}
	return nil
}
