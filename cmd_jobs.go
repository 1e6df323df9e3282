package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"pakn/jobs"
	"pakn/models"
	"pakn/models/workdays"
)

// newJobRunner builds the scheduler's jobs from the configuration.
func newJobRunner(cfg config, st *models.Store) (*jobs.Runner, error) {
	jc, err := jobs.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	jc.BaseURL, jc.SMTPURL, jc.MailFrom = cfg.BaseURL, cfg.SMTPURL, cfg.MailFrom
	jc.SMSURL, jc.SMSToken = cfg.SMSURL, cfg.SMSToken
	jc.PortalURL, jc.PortalToken = cfg.PortalURL, cfg.PortalToken
	if jc.Secret, err = cfg.secret(); err != nil {
		return nil, err
	}
	if jc.SMTPURL != "" && jc.MailFrom == "" {
		return nil, errors.New("PAKN_MAIL_FROM is required with PAKN_SMTP_URL")
	}
	return jobs.New(st, jc, slog.Default())
}

// startScheduler starts the jobs in serve unless PAKN_SCHEDULER=off; the
// returned stop waits for running jobs.
func startScheduler(cfg config, st *models.Store, reg prometheus.Registerer) (stop func(), err error) {
	if !cfg.Scheduler {
		slog.Info("scheduler off (PAKN_SCHEDULER=off)")
		return func() {}, nil
	}
	r, err := newJobRunner(cfg, st)
	if err != nil {
		return nil, err
	}
	r.OnRun = jobMetrics(reg)
	s, err := r.Start()
	if err != nil {
		return nil, err
	}
	slog.Info("scheduler started", "jobs", r.Names(), "database", st.Dialect)
	return func() {
		if err := s.Shutdown(); err != nil {
			slog.Error("scheduler shutdown", "err", err)
		}
	}, nil
}

// jobsCommand is `pakn jobs run NAME [--at RFC3339]`: one run of a job,
// doing all the work due at that time, under the scheduler's lock of the
// same name. It never opens the search index.
func jobsCommand(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: pakn jobs run NAME [--at RFC3339]   (NAME: deadlines, notify, portal, digest, retention)")
	}
	args = args[1:]
	if len(args) == 0 || len(args[0]) == 0 || args[0][0] == '-' {
		return errors.New("pakn jobs run: name the job (deadlines, notify, portal, digest, retention)")
	}
	name := args[0]
	fs := flag.NewFlagSet("jobs run", flag.ContinueOnError)
	at := fs.String("at", "", "run as if the time were this (RFC 3339, e.g. 2026-12-18T09:00:00+07:00)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("--at: want RFC 3339 (2026-12-18T09:00:00+07:00): %w", err)
		}
		// The business rules read the store's clock too (event times).
		fixed := now
		st.Now = func() time.Time { return fixed }
	}
	r, err := newJobRunner(cfg, st)
	if err != nil {
		return err
	}
	start := time.Now()
	ran, err := r.RunOnce(ctx, name, now)
	if err != nil {
		return err
	}
	if !ran {
		return fmt.Errorf("job %q is running on another instance (its lock is held); nothing done", name)
	}
	fmt.Fprintf(stdout, "job %s done at %s in %s\n", name, now.In(workdays.VietnamLocation()).Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
	return nil
}

// jobMetrics exports the runs this instance did: their count and durations
// by job and result, and when each job last succeeded.
func jobMetrics(reg prometheus.Registerer) func(string, time.Duration, error) {
	runs := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pakn_job_duration_seconds",
		Help:    "Scheduled job runs done by this instance (count) and their durations, by job and result.",
		Buckets: []float64{.01, .05, .25, 1, 5, 30, 120, 600},
	}, []string{"job", "result"})
	last := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "pakn_job_last_success_timestamp_seconds",
		Help: "When this instance last finished each job without error (Unix time).",
	}, []string{"job"})
	reg.MustRegister(runs, last)
	return func(job string, took time.Duration, err error) {
		result := "ok"
		if err != nil {
			result = "error"
		} else {
			last.WithLabelValues(job).SetToCurrentTime()
		}
		runs.WithLabelValues(job, result).Observe(took.Seconds())
	}
}
