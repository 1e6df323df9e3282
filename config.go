package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"pakn/app"
	"pakn/models"
)

// config is the process configuration, read from the environment only.
type config struct {
	DatabaseURL string
	DataDir     string
	Addr        string
	BaseURL     string
	Secret      string
	SMTPURL     string
	MailFrom    string
	PortalURL   string
	PortalToken string
	SMSURL      string
	SMSToken    string
	Scheduler   bool
	SubmitLimit app.Rate
	// DeskMaxAgeDays is PAKN_DESK_MAX_AGE_DAYS: how far back a desk may
	// date a petition.
	DeskMaxAgeDays int
	LookupLimit    app.Rate
	TrustedProxies []string
	FrameAncestors []string
	CORSOrigins    []string
	// SearchCache is PAKN_SEARCH_CACHE: results kept (0 = default 1024, "off" = none).
	SearchCache int
	LogLevel    slog.Level
	LogFormat   string
	// MaxInFlight is PAKN_MAX_IN_FLIGHT (0: unbounded).
	MaxInFlight int
	// MetricsToken is PAKN_METRICS_TOKEN (unset: /metrics off but in a demo).
	MetricsToken string
	// SearchBleveOnly is PAKN_SEARCH_EXECUTOR=off: every search through
	// bleve's own searchers (the safe fallback), not the executor.
	SearchBleveOnly bool
	// PprofAddr is PAKN_PPROF_ADDR: where Go's profiler listens (off when
	// empty); a loopback address, never the public one.
	PprofAddr string
	// OIDC is the citizens' sign-in (PAKN_OIDC_*).
	OIDC app.OIDCConfig
}

func loadConfig(getenv func(string) string) (config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := config{
		DatabaseURL: get("PAKN_DATABASE_URL", ""),
		DataDir:     get("PAKN_DATA_DIR", "./data"),
		Addr:        get("PAKN_ADDR", ":8080"),
		BaseURL:     strings.TrimRight(get("PAKN_BASE_URL", "http://localhost:8080"), "/"),
		Secret:      get("PAKN_SECRET", ""),
		SMTPURL:     get("PAKN_SMTP_URL", ""),
		MailFrom:    get("PAKN_MAIL_FROM", ""),
		PortalURL:   strings.TrimRight(get("PAKN_PORTAL_URL", ""), "/"),
		PortalToken: get("PAKN_PORTAL_TOKEN", ""),
		SMSURL:      get("PAKN_SMS_URL", ""),
		SMSToken:    get("PAKN_SMS_TOKEN", ""),
		LogFormat:   get("PAKN_LOG_FORMAT", "text"),
		PprofAddr:   get("PAKN_PPROF_ADDR", ""),

		MetricsToken: get("PAKN_METRICS_TOKEN", ""),
	}
	var errs []error
	switch strings.ToLower(get("PAKN_SCHEDULER", "on")) {
	case "on", "true", "1", "yes":
		c.Scheduler = true
	case "off", "false", "0", "no":
	default:
		errs = append(errs, fmt.Errorf("PAKN_SCHEDULER must be on or off"))
	}
	var err error
	if c.SubmitLimit, err = app.ParseRate(get("PAKN_SUBMIT_LIMIT", "10/min")); err != nil {
		errs = append(errs, fmt.Errorf("PAKN_SUBMIT_LIMIT: %w", err))
	}
	if c.LookupLimit, err = app.ParseRate(get("PAKN_LOOKUP_LIMIT", "60/min")); err != nil {
		errs = append(errs, fmt.Errorf("PAKN_LOOKUP_LIMIT: %w", err))
	}
	for _, cidr := range splitList(getenv("PAKN_TRUSTED_PROXIES")) {
		if _, _, err := net.ParseCIDR(cidr); err != nil && net.ParseIP(cidr) == nil {
			errs = append(errs, fmt.Errorf("PAKN_TRUSTED_PROXIES: %q is not a CIDR", cidr))
		}
		c.TrustedProxies = append(c.TrustedProxies, cidr)
	}
	origins := func(name string) []string {
		list := splitList(getenv(name))
		for _, o := range list {
			if !app.ValidOrigin(o) {
				errs = append(errs, fmt.Errorf("%s: %q is not an origin such as https://dichvucong.longan.gov.vn", name, o))
			}
		}
		return list
	}
	c.FrameAncestors = origins("PAKN_FRAME_ANCESTORS")
	c.CORSOrigins = origins("PAKN_CORS_ORIGINS")
	if c.DeskMaxAgeDays, err = strconv.Atoi(get("PAKN_DESK_MAX_AGE_DAYS", strconv.Itoa(models.DefaultDeskMaxAgeDays))); err != nil || c.DeskMaxAgeDays < 0 {
		errs = append(errs, fmt.Errorf("PAKN_DESK_MAX_AGE_DAYS: want a number of days, got %q", get("PAKN_DESK_MAX_AGE_DAYS", "")))
	}
	if n, err := strconv.Atoi(get("PAKN_MAX_IN_FLIGHT", "256")); err != nil || n < 0 {
		errs = append(errs, fmt.Errorf("PAKN_MAX_IN_FLIGHT: want a number of requests (0: no bound)"))
	} else {
		c.MaxInFlight = n
	}
	switch v := get("PAKN_SEARCH_CACHE", ""); v {
	case "":
	case "off", "0":
		c.SearchCache = -1
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("PAKN_SEARCH_CACHE: want a number of results or off, got %q", v))
		}
		c.SearchCache = n
	}
	switch v := get("PAKN_SEARCH_EXECUTOR", "on"); v {
	case "on":
	case "off":
		c.SearchBleveOnly = true
	default:
		errs = append(errs, fmt.Errorf("PAKN_SEARCH_EXECUTOR: want on or off, got %q", v))
	}
	if err := loadOIDC(&c, get); err != nil {
		errs = append(errs, err)
	}
	if _, err := url.ParseRequestURI(c.BaseURL); err != nil {
		errs = append(errs, fmt.Errorf("PAKN_BASE_URL: %w", err))
	}
	// Checked here, before any command opens the database: a weak secret
	// is refused before migrations run or demo officials are written.
	if c.DatabaseURL != "" && c.Secret == "" {
		errs = append(errs, errors.New("PAKN_SECRET is required with PostgreSQL: every instance must share it"))
	} else if c.Secret != "" {
		if err := app.CheckSecret([]byte(c.Secret)); err != nil {
			errs = append(errs, fmt.Errorf("PAKN_SECRET: %w", err))
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("PAKN_LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, fmt.Errorf("PAKN_LOG_LEVEL: %w", err))
	}
	return c, errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func (c config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// secret returns PAKN_SECRET, or with SQLite the one generated into the data
// folder on first start.
func (c config) secret() ([]byte, error) {
	if c.Secret != "" {
		if err := app.CheckSecret([]byte(c.Secret)); err != nil {
			return nil, fmt.Errorf("PAKN_SECRET: %w", err)
		}
		return []byte(c.Secret), nil
	}
	path := filepath.Join(c.DataDir, "secret")
	if b, err := os.ReadFile(path); err == nil {
		return fileSecret(path, b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	s := newSecret()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process wrote it first; use theirs.
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return fileSecret(path, b)
	}
	if err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(s + "\n"); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return []byte(s), nil
}

// fileSecret is the secret read from the data folder, if it is strong
// enough. A weak one is refused rather than replaced: replacing it would
// sign every official out and void every form in flight.
func fileSecret(path string, b []byte) ([]byte, error) {
	s := []byte(strings.TrimSpace(string(b)))
	if err := app.CheckSecret(s); err != nil {
		return nil, fmt.Errorf("%s: %w (or delete the file to have one generated)", path, err)
	}
	return s, nil
}

// newSecret is 32 random bytes in hex, drawn again in the (vanishingly
// rare) case that it has too few distinct characters.
func newSecret() string {
	for {
		b := make([]byte, 32)
		_, _ = rand.Read(b) // never fails (crypto/rand since Go 1.24)
		if s := hex.EncodeToString(b); app.CheckSecret([]byte(s)) == nil {
			return s
		}
	}
}

// loadOIDC reads the PAKN_OIDC_* variables (citizens' sign-in).
func loadOIDC(c *config, get func(k, def string) string) error {
	o := app.OIDCConfig{
		Issuer:   strings.TrimRight(get("PAKN_OIDC_ISSUER", ""), "/"),
		ClientID: get("PAKN_OIDC_CLIENT_ID", ""), ClientSecret: get("PAKN_OIDC_CLIENT_SECRET", ""),
		Scopes: strings.Fields(get("PAKN_OIDC_SCOPES", app.DefaultOIDCScopes)),
		Label:  get("PAKN_OIDC_LABEL", app.DefaultOIDCLabel),
	}
	var errs []error
	claims, err := app.ParseOIDCClaims(get("PAKN_OIDC_CLAIMS", ""))
	if err != nil {
		errs = append(errs, err)
	}
	o.Claims = claims
	if o.Issuer != "" {
		if err := app.CheckIssuer(o.Issuer); err != nil {
			errs = append(errs, err)
		}
		if o.ClientID == "" {
			errs = append(errs, errors.New("PAKN_OIDC_CLIENT_ID is required with PAKN_OIDC_ISSUER"))
		}
	}
	c.OIDC = o
	return errors.Join(errs...)
}
