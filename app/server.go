package app

import (
	"context"
	"crypto/cipher"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	jsoniter "github.com/json-iterator/go"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/prometheus/client_golang/prometheus"

	"pakn/models"
	"pakn/models/workdays"
	"pakn/search/searchrt"
	"pakn/views"
)

// Body limits (DESIGN.md): 1 MB for JSON, 55 MB for forms with attachments.
const (
	LimitJSON   = 1 << 20
	LimitUpload = 55 << 20
	LimitForm   = 1 << 20
)

// Deps are what the server is built from; nothing else is global.
type Deps struct {
	Store    *models.Store
	Config   Config
	Log      *slog.Logger
	Registry *prometheus.Registry
	// Ready adds checks to /readyz (e.g. the search index has caught up).
	Ready []func(context.Context) error
	// Search is the public Q&A index and its syncer (nil: search answers 503).
	Search *searchrt.Runtime
}

// Server is the HTTP application.
type Server struct {
	Deps
	app     *fiber.App
	cat     *views.Catalog
	metrics *metrics
	// assetVersion busts browser caches of /static when the assets change.
	assetVersion string
	// limiters are the per-IP rate limiters by name (see rateLimit).
	limiters map[string]fiber.Handler
	// inFlight counts the requests being handled (boundInFlight).
	inFlight atomic.Int64
	// lastPrune is when this instance last dropped ended shared rate-limit
	// windows (UnixNano; see pruneRequestCounts).
	lastPrune atomic.Int64
	// proxies are PAKN_TRUSTED_PROXIES, parsed (see clientIP).
	proxies []*net.IPNet
	// csp and cspEmbed are the Content-Security-Policy headers of every
	// page and of the /embed/ pages (securityHeaders).
	csp, cspEmbed string
	// acct is the citizens' sign-in (nil when off; account.go).
	acct *accounts
	// receipts seals the receipt cookie (receipt.go).
	receipts cipher.AEAD
	// figures are the current year's statistics, shared by / and /stats.
	figures figures
	// searchNames are the category and unit names shown in facets.
	searchNames nameCache
	// totpBox and resetBox seal authenticator keys and reset links
	// (account_official.go).
	totpBox, resetBox *models.SecretBox
	// bodyRules are the routes that take more than 1 MB (routeBodyLimit).
	bodyRules []bodyRule
}

// New builds the Fiber application with every route.
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if err := CheckSecret(d.Config.Secret); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	cat, err := views.LoadCatalog()
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, cat: cat, assetVersion: views.AssetVersion(), proxies: parseProxies(d.Config.TrustedProxies)}
	s.metrics = newMetrics(d.Registry, d.Store)
	d.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pakn_http_requests_in_flight",
		Help: "Requests being handled by this instance (bounded by PAKN_MAX_IN_FLIGHT).",
	}, func() float64 { return float64(s.inFlight.Load()) }))
	if d.Search != nil {
		d.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pakn_search_index_lag",
			Help: "Published changes this instance's search index has not applied yet (-1 while it is being built).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			lag, err := d.Search.Lag(ctx)
			if err != nil && lag >= 0 {
				return -1
			}
			return float64(lag)
		}))
	}
	if s.receipts, err = newReceiptSealer(d.Config.Secret); err != nil {
		return nil, err
	}
	if s.totpBox, err = models.NewSecretBox(d.Config.Secret, models.BoxTOTP); err != nil {
		return nil, err
	}
	if s.resetBox, err = models.NewSecretBox(d.Config.Secret, models.BoxResetLink); err != nil {
		return nil, err
	}
	s.csp = contentSecurityPolicy(nil)
	s.cspEmbed = contentSecurityPolicy(d.Config.FrameAncestors)

	engine := html.NewFileSystem(http.FS(views.Templates()), ".html")
	engine.AddFuncMap(s.templateFuncs())
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	cfg := fiber.Config{
		AppName:               "PAKN",
		Views:                 engine,
		ViewsLayout:           "layout",
		BodyLimit:             LimitUpload,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		// encoding/json's output, written two to three times faster (a
		// search answer is ten hits with their answers).
		JSONEncoder: jsoniter.ConfigCompatibleWithStandardLibrary.Marshal,
	}
	// The client's address comes from s.clientIP (clientip.go); Fiber only
	// needs the proxies to trust their X-Forwarded-Proto and -Host.
	if len(d.Config.TrustedProxies) > 0 {
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = d.Config.TrustedProxies
	}
	s.app = fiber.New(cfg)
	// fasthttp asks for each request's body limit once its headers are
	// read; the limits come from the route tables (routeBodyLimit).
	s.app.Server().HeaderReceived = s.headerReceived
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// App exposes the Fiber application (tests use App().Test).
func (s *Server) App() *fiber.App { return s.app }

// Listen serves until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown stops accepting and lets in-flight requests finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// Catalog gives other parts (mail rendering) the same messages.
func (s *Server) Catalog() *views.Catalog { return s.cat }

// isAPI tells whether a path answers in JSON.
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/open311/")
}

// templateFuncs are the helpers every template may call.
func (s *Server) templateFuncs() map[string]any {
	return map[string]any{
		"t": func(lang, key string, params ...any) string { return s.cat.T(lang, key, params...) },
		"date": func(v any) string {
			t := asTime(v)
			if t.IsZero() {
				return ""
			}
			return t.In(workdays.VietnamLocation()).Format("02/01/2006")
		},
		"datetime": func(v any) string {
			t := asTime(v)
			if t.IsZero() {
				return ""
			}
			return t.In(workdays.VietnamLocation()).Format("15:04 02/01/2006")
		},
		"rfc3339": func(v any) string {
			t := asTime(v)
			if t.IsZero() {
				return ""
			}
			return t.In(workdays.VietnamLocation()).Format(time.RFC3339)
		},
		"para": paragraphs,
		"kilobytes": func(n int) string {
			return strconv.Itoa(max(1, (n+1023)/1024)) + " KB"
		},
		"audit": s.auditValue,
		"deref": func(p *int64) int64 { // nil-safe, for ids in maps
			if p == nil {
				return 0
			}
			return *p
		},
	}
}

// auditValue shows an audit value as people read it: a date, a state, a
// channel or a deadline stage in words; anything else as it is.
func (s *Server) auditValue(lang, v string) string {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.In(workdays.VietnamLocation()).Format("02/01/2006")
	}
	for _, prefix := range []string{"status.", "wf.channel.", "wf.stage."} {
		if s.cat.Has(prefix + v) {
			return s.cat.T(lang, prefix+v)
		}
	}
	return v
}

func asTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case *time.Time:
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}

// paragraphs escapes text and keeps its line breaks as paragraphs.
func paragraphs(text string) template.HTML {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(p), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return template.HTML(b.String())
}
