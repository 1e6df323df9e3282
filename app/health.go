package app

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"pakn/models"
)

// healthz says the process runs.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says the instance can serve: the database answers and every extra
// check (the search index has caught up) passes.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks := fiber.Map{}
	ok := true
	if err := s.Store.Ping(ctx); err != nil {
		checks["database"] = "unavailable"
		c.Set(fiber.HeaderRetryAfter, "5")
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": checks})
	}
	checks["database"] = "ok"
	ok = s.searchReadiness(ctx, checks)
	for _, check := range s.Ready {
		if err := check(ctx); err != nil {
			ok = false
			checks["readiness"] = err.Error()
		}
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, "5")
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "not ready", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}

type metrics struct {
	latency     *prometheus.HistogramVec
	submissions *prometheus.CounterVec
	// shed counts requests refused beyond PAKN_MAX_IN_FLIGHT.
	shed prometheus.Counter

	// observers caches latency's children by method, route and status
	// class: looking a child up hashes its labels, and the strings Fiber
	// hands out must be cloned before Prometheus keeps them.
	observers sync.Map // observerKey → prometheus.Observer
}

type observerKey struct{ method, route, class string }

func newMetrics(reg *prometheus.Registry, store *models.Store) *metrics {
	m := &metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pakn_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pakn_petitions_submitted_total",
			Help: "Petitions accepted for intake, by channel.",
		}, []string{"channel"}),
	}
	m.shed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pakn_http_requests_shed_total",
		Help: "Requests answered 503 because PAKN_MAX_IN_FLIGHT were already being handled.",
	})
	reg.MustRegister(m.latency, m.submissions, m.shed)
	if store != nil && store.Dialect == models.Postgres {
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "pakn_intake_statements_total",
				Help: "Statements that wrote submissions (PostgreSQL; several submissions share one under load).",
			}, func() float64 { n, _ := store.IntakeBatches(); return float64(n) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "pakn_intake_petitions_total",
				Help: "Petitions written by those statements.",
			}, func() float64 { _, n := store.IntakeBatches(); return float64(n) }),
		)
	}
	if store != nil {
		reg.MustRegister(&outboxCollector{store: store,
			backlog: prometheus.NewDesc("pakn_outbox_backlog", "Outbox messages waiting for delivery, by channel.", []string{"channel"}, nil),
			states:  prometheus.NewDesc("pakn_outbox_messages", "Outbox messages not sent, by channel and state (pending, failed, undeliverable).", []string{"channel", "state"}, nil),
		})
		// Connections in use, idle, waited for: go_sql_*{db_name="pakn"}.
		reg.MustRegister(collectors.NewDBStatsCollector(store.SQL(), "pakn"))
	}
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one request. method and route may alias Fiber's
// buffers: they are cloned only for a new combination.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	k := observerKey{method, route, statusClass(status)}
	o, ok := m.observers.Load(k)
	if !ok {
		k = observerKey{strings.Clone(method), strings.Clone(route), k.class}
		o, _ = m.observers.LoadOrStore(k, m.latency.WithLabelValues(k.method, k.route, k.class))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

func (m *metrics) submitted(channel string) { m.submissions.WithLabelValues(channel).Inc() }

func statusClass(code int) string {
	switch {
	case code >= 500:
		return "5xx"
	case code >= 400:
		return "4xx"
	case code >= 300:
		return "3xx"
	default:
		return "2xx"
	}
}

// outboxCollector counts the undelivered rows at scrape time (one query),
// from the database every instance shares.
type outboxCollector struct {
	store           *models.Store
	backlog, states *prometheus.Desc
}

func (o *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- o.backlog; ch <- o.states }

func (o *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := o.store.OutboxUndelivered(ctx)
	if err != nil {
		return
	}
	for _, channel := range []string{models.OutboxEmail, models.OutboxSMS, models.OutboxPortal} {
		ch <- prometheus.MustNewConstMetric(o.backlog, prometheus.GaugeValue, float64(counts[[2]string{channel, models.OutboxPending}]), channel)
		for _, state := range []string{models.OutboxPending, models.OutboxFailed, models.OutboxUndeliverable} {
			ch <- prometheus.MustNewConstMetric(o.states, prometheus.GaugeValue, float64(counts[[2]string{channel, state}]), channel, state)
		}
	}
}

func (s *Server) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
}
