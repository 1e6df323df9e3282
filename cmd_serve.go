package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"pakn/app"
)

// serve migrates, optionally seeds, and serves until the context ends; then
// it stops accepting and lets in-flight requests finish.
func serve(ctx context.Context, cfg config, demo bool, stdout io.Writer) error {
	// The secret first: nothing is written with a weak one.
	secret, err := cfg.secret()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if demo {
		empty, err := st.IsEmpty(ctx)
		if err != nil {
			return err
		}
		if empty {
			slog.Info("loading the demo data set")
			if err := st.SeedDemo(ctx); err != nil {
				return err
			}
			load, err := st.SeedDemoPetitions(ctx, secret)
			if err != nil {
				return err
			}
			slog.Info("loaded the demo petitions", "petitions", load.Petitions, "took", load.Took.Round(time.Millisecond))
			// Hashing the demo officials' passwords (argon2id, 64 MiB
			// each) leaves a large heap; give it back before serving.
			debug.FreeOSMemory()
		}
		// Only a server in demo mode opens a demo petition with its secret.
		st.DemoMode = true
		if err := printDemoAccounts(ctx, stdout, st, secret); err != nil {
			return err
		}
	}
	province, err := st.ProvinceName(ctx)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	sctx, stopSearch := context.WithCancel(ctx)
	defer stopSearch()
	qa, err := startSearch(sctx, cfg, st)
	if err != nil {
		return err
	}
	defer qa.Close()
	srv, err := app.New(app.Deps{
		Store: st, Log: slog.Default(), Registry: reg, Search: qa,
		Config: app.Config{
			BaseURL: cfg.BaseURL, Secret: secret, Province: province,
			SubmitLimit: cfg.SubmitLimit, LookupLimit: cfg.LookupLimit,
			TrustedProxies: cfg.TrustedProxies, FrameAncestors: cfg.FrameAncestors,
			CORSOrigins:   cfg.CORSOrigins,
			FiguresTTL:    time.Minute,
			SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"),
			MaxInFlight:   cfg.MaxInFlight, MetricsToken: cfg.MetricsToken, MetricsOpen: demo,
			OIDC:           citizenSignIn(cfg, demo),
			MailConfigured: cfg.SMTPURL != "",
		},
	})
	if err != nil {
		return err
	}
	stopJobs, err := startScheduler(cfg, st, reg)
	if err != nil {
		return err
	}
	defer stopJobs()
	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(cfg.Addr) }()
	slog.Info("serving", "addr", cfg.Addr, "base_url", cfg.BaseURL, "database", st.Dialect)
	fmt.Fprintf(stdout, "PAKN is running at %s\n", cfg.BaseURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// servePprof serves Go's profiles (/debug/pprof/) on addr, apart from the
// public server, for an operator measuring the running server.
func servePprof(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	slog.Info("profiler listening", "addr", addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		slog.Error("profiler stopped", "addr", addr, "err", err)
	}
}

// citizenSignIn is the citizens' sign-in: the configured provider, or with
// --demo and none the demo provider at /demo-idp/.
func citizenSignIn(cfg config, demo bool) app.OIDCConfig {
	o := cfg.OIDC
	o.Demo = demo && o.Issuer == ""
	return o
}
