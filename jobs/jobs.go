// Package jobs is PAKN's scheduler: a gocron v2 scheduler in Vietnam time
// with named jobs — deadlines (reminders, overdue notices, escalation,
// closing items whose information never came), notify (the e-mail and SMS
// outbox), digest (the leaders' daily summary) and retention (anonymising
// old petitions). On PostgreSQL every job runs under a row of job_locks so
// that several instances share one schedule; SQLite runs as one instance.
//
// Every job is a func(ctx, now) that does all the work due at now, so the
// scheduler, `pakn jobs run NAME --at T` and tests run the same code.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"

	"pakn/jobs/delivery"
	"pakn/jobs/lock"
	"pakn/models"
	"pakn/models/workdays"
)

// Job names (stable: they are lock names and command arguments).
const (
	JobDeadlines = "deadlines"
	JobNotify    = "notify"
	JobPortal    = "portal"
	JobDigest    = "digest"
	JobRetention = "retention"
)

// ErrNotWired is returned for a reserved job that has no function yet.
var ErrNotWired = errors.New("job is reserved but not wired into this build")

// ErrUnknownJob is returned for a name no job has.
var ErrUnknownJob = errors.New("unknown job")

// Func does the work of a job that is due at now.
type Func func(ctx context.Context, now time.Time) error

// Job is one named, scheduled job.
type Job struct {
	Name       string
	Definition gocron.JobDefinition
	// Run is nil for a reserved name.
	Run Func
}

// Config is what the jobs need from the environment.
type Config struct {
	BaseURL  string // PAKN_BASE_URL
	SMTPURL  string // PAKN_SMTP_URL; empty: e-mail is undeliverable
	MailFrom string // PAKN_MAIL_FROM
	SMSURL   string // PAKN_SMS_URL; empty: SMS is undeliverable
	SMSToken string // PAKN_SMS_TOKEN
	// PortalURL and PortalToken: PAKN_PORTAL_URL, PAKN_PORTAL_TOKEN; an
	// empty URL makes due portal rows undeliverable.
	PortalURL, PortalToken string
	// MaxAttempts is how many times a message is tried before it is marked
	// failed (PAKN_NOTIFY_MAX_ATTEMPTS, default 10).
	MaxAttempts int
	// Retention is how long after closing petitioner details are kept
	// (PAKN_RETENTION, default 5 years).
	Retention Retention
	// BackoffBase and BackoffMax shape the retry delays (1 min, 4 h).
	BackoffBase, BackoffMax time.Duration
	// Lease is how long a claimed message is hidden from other notifiers
	// (default 5 min); a crashed notifier's messages return after it.
	Lease time.Duration
	// BatchSize is how many messages one claim takes (default 50).
	BatchSize int
	// MailerOptions and HTTPClient are for tests (TLS roots, timeouts).
	MailerOptions []delivery.MailerOption
	HTTPClient    *http.Client
	// LockTTL is the PostgreSQL job lock's TTL (default lock.DefaultTTL).
	LockTTL time.Duration
	// Secret is PAKN_SECRET: it opens the password-reset links sealed in
	// the outbox (without it such mail fails).
	Secret []byte
}

// ConfigFromEnv reads the jobs' own variables; the caller fills BaseURL and
// the transport URLs from the main configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	if v := strings.TrimSpace(getenv("PAKN_NOTIFY_MAX_ATTEMPTS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("PAKN_NOTIFY_MAX_ATTEMPTS: want a positive number, got %q", v))
		}
		c.MaxAttempts = n
	}
	if v := strings.TrimSpace(getenv("PAKN_RETENTION")); v != "" {
		r, err := ParseRetention(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PAKN_RETENTION: %w", err))
		}
		c.Retention = r
	}
	return c, errors.Join(errs...)
}

func (c *Config) defaults() {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.Retention.IsZero() {
		c.Retention = Retention{Years: 5}
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = time.Minute
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 4 * time.Hour
	}
	if c.Lease <= 0 {
		c.Lease = 5 * time.Minute
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 50
	}
	if c.LockTTL <= 0 {
		c.LockTTL = lock.DefaultTTL
	}
}

// Mailer is what notify needs of an SMTP transport (*delivery.Mailer).
type Mailer interface {
	SendBatch(ctx context.Context, msgs []delivery.Mail) []error
}

// SMSSender is what notify needs of an SMS gateway (*delivery.SMSGateway).
type SMSSender interface {
	Send(ctx context.Context, msg delivery.SMS) error
}

// Runner owns the jobs and their dependencies.
type Runner struct {
	Store  *models.Store
	Log    *slog.Logger
	cfg    Config
	mailer Mailer    // nil: no SMTP configured
	sms    SMSSender // nil: no gateway configured
	render *Renderer
	jobs   []Job
	// OnRun, when set, hears of every scheduled run this instance did
	// (after taking the job's lock): metrics.
	OnRun func(job string, took time.Duration, err error)
}

// New builds the runner with the standard jobs registered.
func New(st *models.Store, cfg Config, log *slog.Logger) (*Runner, error) {
	if log == nil {
		log = slog.Default()
	}
	cfg.defaults()
	rd, err := NewRenderer(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if len(cfg.Secret) > 0 {
		if rd.resetBox, err = models.NewSecretBox(cfg.Secret, models.BoxResetLink); err != nil {
			return nil, err
		}
	}
	r := &Runner{Store: st, Log: log, cfg: cfg, render: rd}
	if cfg.SMTPURL != "" {
		m, err := delivery.NewMailer(cfg.SMTPURL, cfg.MailFrom, cfg.MailerOptions...)
		if err != nil {
			return nil, fmt.Errorf("PAKN_SMTP_URL: %w", err)
		}
		r.mailer = m
	}
	if cfg.SMSURL != "" {
		g, err := delivery.NewSMSGateway(cfg.SMSURL, cfg.SMSToken, cfg.HTTPClient)
		if err != nil {
			return nil, fmt.Errorf("PAKN_SMS_URL: %w", err)
		}
		r.sms = g
	}
	r.Register(JobDeadlines, gocron.DurationJob(5*time.Minute), r.Deadlines)
	r.Register(JobNotify, gocron.DurationJob(30*time.Second), r.Notify)
	var portal *delivery.Portal
	if cfg.PortalURL != "" {
		p, err := delivery.NewPortal(cfg.PortalURL, cfg.PortalToken, cfg.HTTPClient)
		if err != nil {
			return nil, fmt.Errorf("PAKN_PORTAL_URL: %w", err)
		}
		portal = p
	}
	r.Register(JobPortal, gocron.DurationJob(time.Minute), func(ctx context.Context, now time.Time) error {
		_, err := RunPortal(ctx, PortalDeps{Store: st, Portal: portal, BaseURL: cfg.BaseURL, Log: log}, now)
		return err
	})
	r.Register(JobDigest, gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(7, 0, 0))), r.Digest)
	r.Register(JobRetention, gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(2, 30, 0))), r.Retention)
	return r, nil
}

// SetMailer replaces the SMTP transport (tests; nil means none).
func (r *Runner) SetMailer(m Mailer) { r.mailer = m }

// SetSMS replaces the SMS transport (tests; nil means none).
func (r *Runner) SetSMS(s SMSSender) { r.sms = s }

// Register adds a job, or replaces the one of that name (wiring a reserved
// name such as "portal" keeps its place). Times in the definition are
// Vietnam time. A nil fn reserves the name.
func (r *Runner) Register(name string, def gocron.JobDefinition, fn Func) {
	j := Job{Name: name, Definition: def, Run: fn}
	for i := range r.jobs {
		if r.jobs[i].Name == name {
			r.jobs[i] = j
			return
		}
	}
	r.jobs = append(r.jobs, j)
}

// Names lists the registered jobs in order.
func (r *Runner) Names() []string {
	out := make([]string, 0, len(r.jobs))
	for _, j := range r.jobs {
		out = append(out, j.Name)
	}
	return out
}

func (r *Runner) job(name string) (Job, error) {
	for _, j := range r.jobs {
		if j.Name == name {
			if j.Run == nil {
				return j, fmt.Errorf("job %q: %w", name, ErrNotWired)
			}
			return j, nil
		}
	}
	return Job{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownJob, name, strings.Join(r.Names(), ", "))
}

// RunOnce runs a job once as if the time were now, under the same lock as
// the scheduled job on PostgreSQL. ran is false when another instance holds
// the lock (nothing was done).
func (r *Runner) RunOnce(ctx context.Context, name string, now time.Time) (ran bool, err error) {
	j, err := r.job(name)
	if err != nil {
		return false, err
	}
	fn := func(ctx context.Context) error { return j.Run(ctx, now) }
	if r.Store.Dialect == models.Postgres {
		return lock.TryRun(ctx, r.Store.SQL(), name, r.cfg.LockTTL, fn)
	}
	return true, fn(ctx)
}

// Scheduler is the running schedule.
type Scheduler struct {
	s gocron.Scheduler
}

// Shutdown stops the schedule and waits for running jobs (their context is
// cancelled).
func (s *Scheduler) Shutdown() error { return s.s.Shutdown() }

// Jobs lists the scheduled jobs (for tests and logs).
func (s *Scheduler) Jobs() []gocron.Job { return s.s.Jobs() }

// Start schedules every wired job (or only the named ones) in Vietnam time
// and starts the scheduler. Each run does the work due at the store's clock.
// On PostgreSQL the jobs take their rows in job_locks (one instance runs
// each tick); on SQLite an in-process lock keeps runs from overlapping.
func (r *Runner) Start(only ...string) (*Scheduler, error) {
	var locker gocron.Locker = lock.NewLocal()
	if r.Store.Dialect == models.Postgres {
		locker = lock.New(r.Store.SQL(), lock.WithTTL(r.cfg.LockTTL))
	}
	s, err := gocron.NewScheduler(
		gocron.WithLocation(workdays.VietnamLocation()),
		gocron.WithDistributedLocker(locker),
		gocron.WithGlobalJobOptions(gocron.WithSingletonMode(gocron.LimitModeReschedule)),
		gocron.WithStopTimeout(30*time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	for _, j := range r.jobs {
		if j.Run == nil || (len(only) > 0 && !slices.Contains(only, j.Name)) {
			continue
		}
		run, name := j.Run, j.Name
		task := func(ctx context.Context) {
			start := time.Now()
			err := run(ctx, r.Store.Now())
			if r.OnRun != nil {
				r.OnRun(name, time.Since(start), err)
			}
			if err != nil && ctx.Err() == nil {
				r.Log.Error("job failed", "job", name, "err", err)
				return
			}
			r.Log.Debug("job done", "job", name, "took", time.Since(start))
		}
		if _, err := s.NewJob(j.Definition, gocron.NewTask(task), gocron.WithName(name)); err != nil {
			_ = s.Shutdown()
			return nil, fmt.Errorf("schedule %s: %w", name, err)
		}
	}
	s.Start()
	return &Scheduler{s: s}, nil
}

// Deadlines is the deadlines job.
func (r *Runner) Deadlines(ctx context.Context, now time.Time) error {
	start := time.Now()
	res, err := r.Store.RunDeadlines(ctx, now)
	if err != nil {
		return fmt.Errorf("deadlines: %w", err)
	}
	r.Log.Info("deadlines", "at", now, "candidates", res.Candidates, "notices", res.Notices, "closed", res.Closed, "took", time.Since(start))
	return nil
}

// Digest is the daily summary job.
func (r *Runner) Digest(ctx context.Context, now time.Time) error {
	n, err := r.Store.GenerateDigests(ctx, now)
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	r.Log.Info("digest", "at", now, "notices", n)
	return nil
}

// Retention is the anonymisation job.
func (r *Runner) Retention(ctx context.Context, now time.Time) error {
	if err := r.eraseStaleCitizenAccounts(ctx, now); err != nil {
		return err
	}
	cutoff := r.cfg.Retention.Before(now)
	n, err := r.Store.AnonymisePetitioners(ctx, cutoff, now)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	r.Log.Info("retention", "at", now, "cutoff", cutoff, "anonymised", n)
	return nil
}
