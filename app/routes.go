package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"pakn/models"
)

// The route tables: every URL PAKN answers, by area, in the order Fiber
// tries them. A line is the method, the path, the body limit (limitBody;
// the same figure caps the body as soon as the headers are read, see
// routeBodyLimit) and the handlers, middleware first. TestRouteTable
// holds the list Fiber ends up with.
//
// Where each area's handlers are:
//
//	ops            health.go (probes, /metrics), ops.go, compress.go (static files)
//	intake         handler_home.go, handler_submit.go, receipt.go, held_uploads.go,
//	               handler_track.go, citizen.go (the citizen's actions), api_petitions.go
//	accounts       account.go, account_oidc.go, account_demoidp.go (citizens);
//	               auth.go, account_official.go (officials: sign-in, 2FA, resets)
//	workflow       admin.go (inbox), workflow.go, action_outcome.go, timeline.go,
//	               personal_data.go, draft_help.go, clerk.go (paper petitions)
//	publication    qa_pages.go, qa_search.go, qa_admin.go (FAQ), feed.go, stats.go,
//	               stats_chart.go, portal.go (embeds, sitemap), open311.go,
//	               api_reference.go, openapi.go, publication_admin.go, outbox_view.go
//	configuration  adminconfig.go, policies.go, procedures.go
//	plumbing       server.go, middleware.go, bodies.go, clientip.go,
//	               ratelimit.go, render.go, config.go

// route is one line of a route table.
type route struct {
	method string // GET (which also answers HEAD), POST, or USE: middleware on a path prefix
	path   string
	// body is the largest request body the route takes; 0 checks none
	// beyond the 1 MB every request gets (routeBodyLimit).
	body     int
	handlers []fiber.Handler
}

const methodUse = "USE"

func get(path string, h ...fiber.Handler) route {
	return route{method: fiber.MethodGet, path: path, handlers: h}
}

func post(path string, body int, h ...fiber.Handler) route {
	return route{method: fiber.MethodPost, path: path, body: body, handlers: h}
}

func use(path string, h ...fiber.Handler) route {
	return route{method: methodUse, path: path, handlers: h}
}

// routes mounts the middleware every request gets, then each area's table.
func (s *Server) routes() error {
	a := s.app
	// Every request, in this order.
	a.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.Log.Error("panic", "path", c.Path(), "panic", e)
	}}), s.observe, s.securityHeaders, requestBodies, s.compress(), s.language, s.boundInFlight)
	// The officials' pages: the session, and the gate that sends an
	// official with a reset password or a pending second factor there first.
	a.Use("/admin", s.loadSession, s.accountGate)
	// Citizens' sign-in (when configured): the demo provider is mounted
	// before CSRF (its token endpoint is called by servers, not forms).
	demoIdP, err := s.setupAccounts()
	if err != nil {
		return err
	}
	if demoIdP != nil {
		a.All(demoIssuerPath+"/*", demoIdP)
	}
	if s.acct != nil {
		a.Use("/account", s.loadCitizen)
		a.Use("/submit", s.loadCitizen)
	}
	// Every form post carries the CSRF token.
	a.Use(s.csrf)
	// The public read-only APIs, for PAKN_CORS_ORIGINS (preflight included).
	if cors := s.cors(); cors != nil {
		for _, p := range publicReadAPIs {
			a.Use(p, cors)
		}
	}
	for _, table := range s.routeTables() {
		s.register(table)
	}
	return nil
}

// routeTables are the areas' tables, in the order they are registered.
func (s *Server) routeTables() [][]route {
	return [][]route{
		s.opsRoutes(),
		s.publicRoutes(),
		s.citizenAccountRoutes(),
		s.adminRoutes(),
		s.configRoutes(),
		s.apiRoutes(),
		s.open311Routes(),
	}
}

// opsRoutes: probes, metrics and static files, for the operators and the
// browser; no session.
func (s *Server) opsRoutes() []route {
	return []route{
		get("/healthz", s.healthz),
		get("/readyz", s.readyz),
		get("/metrics", s.metricsAuth, s.metricsHandler()),
		get("/favicon.ico", favicon),
		use("/static", staticCacheControl, s.static()),
	}
}

// publicRoutes: the citizens' pages. Filing and looking a petition up are
// limited per IP; search is not (DESIGN.md).
func (s *Server) publicRoutes() []route {
	submit := s.rateLimit("submit", s.Config.SubmitLimit)
	lookup := s.rateLimit("lookup", s.Config.LookupLimit)
	return []route{
		get("/", s.homePage),
		get("/submit", s.submitForm),
		get(receiptPath, s.receiptPage),
		post("/submit", LimitUpload, submit, s.submitPost),
		get("/track", s.trackForm),
		post("/track", LimitForm, lookup, s.trackPost),
		post("/track/info", LimitUpload, lookup, s.trackInfo),
		post("/track/withdraw", LimitForm, lookup, s.trackWithdraw),
		post("/track/rate", LimitForm, lookup, s.trackRate),
		post("/track/files/:id", LimitForm, lookup, s.trackFile),
		get("/track/resend", s.resendForm),
		post("/track/resend", LimitForm, lookup, s.resendPost),
		get("/search", s.searchPage),
		get("/qa/:id", s.qaItemPage),
		get("/faq", s.faqPage),
		get("/feeds/answers.atom", s.answersFeed),
		get("/stats", s.statsPage),
		get("/embed/search", s.embedSearch),
		get("/embed/latest", s.embedLatest),
		get("/sitemap.xml", s.sitemap),
		get("/robots.txt", s.robots),
	}
}

// citizenAccountRoutes: the citizens' accounts (OpenID Connect), when
// sign-in is configured; loadCitizen runs on /account and /submit.
func (s *Server) citizenAccountRoutes() []route {
	if s.acct == nil {
		return nil
	}
	lookup := s.rateLimit("lookup", s.Config.LookupLimit)
	return []route{
		get("/account/login", s.accountLogin),
		get("/account/callback", s.accountCallback),
		get("/account/consent", s.accountConsentForm),
		post("/account/consent", LimitForm, s.accountConsentPost),
		get("/account", s.accountPage),
		post("/account/profile", LimitForm, s.requireCitizen, s.accountProfile),
		post("/account/claim", LimitForm, lookup, s.requireCitizen, s.accountClaim),
		post("/account/logout", LimitForm, s.accountLogout),
	}
}

// adminRoutes: the officials' sign-in, their own account, and the desk
// (inbox, petitions, paper petitions, FAQ). Under /admin every request
// has loadSession and accountGate; each route says who may use it.
func (s *Server) adminRoutes() []route {
	user := s.requireUser()
	officials := s.requireUser(models.RoleAdmin, models.RoleCoordinator, models.RoleLeader, models.RoleOfficer, models.RoleClerk)
	desk := s.requireUser(models.RoleClerk, models.RoleCoordinator)
	faq := s.requireUser(models.RoleOfficer, models.RoleLeader, models.RoleCoordinator, models.RoleAdmin)
	return []route{
		get("/admin/login", s.loginForm),
		post("/admin/login", LimitForm, s.loginPost),
		post("/admin/logout", 0, user, s.logoutPost),
		get("/admin/login/code", s.loginCodeForm),
		post("/admin/login/code", LimitForm, s.loginCodePost),
		get("/admin/reset/:token", s.resetForm),
		post("/admin/reset/:token", LimitForm, s.resetPost),
		get("/admin/account", user, s.officialAccountPage),
		post("/admin/account/password", LimitForm, user, s.accountPassword),
		post("/admin/account/2fa/setup", LimitForm, user, s.accountTOTPSetup),
		get("/admin/account/2fa", user, s.accountTOTPPage),
		post("/admin/account/2fa/confirm", LimitForm, user, s.accountTOTPConfirm),
		post("/admin/account/2fa/disable", LimitForm, user, s.accountTOTPDisable),

		get("/admin", user, s.adminInbox),
		get("/admin/stats.xlsx", user, s.adminStatsXLSX),
		get("/admin/petitions/:code", officials, s.petitionPage),
		get("/admin/petitions/:code/files/:id", officials, s.petitionFile),
		post("/admin/petitions/:code/:action", LimitUpload, officials, s.petitionAction),
		get("/admin/submit", desk, s.clerkForm),
		get(adminReceiptPath, desk, s.adminReceiptPage),
		post("/admin/submit", LimitUpload, desk, s.clerkPost),
		get("/admin/faq", faq, s.adminFAQList),
		get("/admin/faq/new", faq, s.adminFAQNew),
		post("/admin/faq", LimitForm, faq, s.adminFAQCreate),
		get("/admin/faq/export.xlsx", faq, s.adminFAQExport),
		post("/admin/faq/import", LimitImport, faq, s.adminFAQImport),
		get("/admin/faq/:id<int>", faq, s.adminFAQEdit),
		post("/admin/faq/:id<int>", LimitForm, faq, s.adminFAQUpdate),
		post("/admin/faq/:id<int>/publish", LimitForm, faq, s.adminFAQPublish),
		post("/admin/faq/:id<int>/unpublish", LimitForm, faq, s.adminFAQUnpublish),
		post("/admin/faq/:id<int>/release", LimitForm, faq, s.adminFAQRelease),
	}
}

// configRoutes: the configuration, for administrators (coordinators also
// edit synonyms and see the embed codes). Same middleware as adminRoutes.
func (s *Server) configRoutes() []route {
	admin := s.requireUser(models.RoleAdmin)
	coord := s.requireUser(models.RoleCoordinator, models.RoleAdmin)
	embed := s.requireUser(models.RoleAdmin, models.RoleCoordinator)
	var rs []route
	for _, p := range []struct {
		path      string
		get, save fiber.Handler
	}{
		{"/admin/units", s.cfgUnits, s.cfgUnitSave},
		{"/admin/areas", s.cfgAreas, s.cfgAreaSave},
		{"/admin/categories", s.cfgCategories, s.cfgCategorySave},
		{"/admin/rules", s.cfgRules, s.cfgRuleSave},
		{"/admin/holidays", s.cfgHolidays, s.cfgHolidaySave},
		{"/admin/users", s.cfgUsers, s.cfgUserSave},
	} {
		rs = append(rs, get(p.path, admin, p.get), post(p.path, LimitForm, admin, p.save))
	}
	return append(rs,
		post("/admin/rules/:id/delete", LimitForm, admin, s.cfgRuleDelete),
		post("/admin/holidays/:date/delete", LimitForm, admin, s.cfgHolidayDelete),
		post("/admin/users/:id/active", LimitForm, admin, s.cfgUserActive),
		post("/admin/users/two-factor", LimitForm, admin, s.cfgTwoFactorRoles),
		post("/admin/users/:id/reset", LimitForm, admin, s.cfgUserReset),
		post("/admin/users/:id/role", LimitForm, admin, s.cfgUserRole),
		post("/admin/users/:id/two-factor-off", LimitForm, admin, s.cfgUserTwoFactorOff),
		get("/admin/policies", admin, s.policiesPage),
		post("/admin/policies", LimitForm, admin, s.policySave),
		post("/admin/policies/:id", LimitForm, admin, s.policySave),
		post("/admin/policies/:id/delete", LimitForm, admin, s.policyDelete),
		get("/admin/procedures", admin, s.adminProcedures),
		post("/admin/procedures/import", LimitImport, admin, s.adminProcedureImport),
		post("/admin/procedures/:code/deactivate", LimitForm, admin, s.adminProcedureDeactivate),
		get("/admin/outbox", admin, s.adminOutbox),
		post("/admin/outbox/:id/retry", LimitForm, admin, s.adminOutboxRetry),
		get("/admin/keys", admin, s.adminKeys),
		post("/admin/keys", LimitForm, admin, s.adminKeysCreate),
		post("/admin/keys/:id/revoke", LimitForm, admin, s.adminKeysRevoke),
		get("/admin/synonyms", coord, s.adminSynonyms),
		post("/admin/synonyms", LimitForm, coord, s.adminSynonymsSave),
		get("/admin/embed", embed, s.adminEmbed),
	)
}

// apiRoutes: the JSON API (OpenAPI document at /api/openapi.json). Bodies
// must be JSON (requestBodies); the public read-only answers allow CORS.
func (s *Server) apiRoutes() []route {
	submit := s.rateLimit("submit", s.Config.SubmitLimit)
	lookup := s.rateLimit("lookup", s.Config.LookupLimit)
	return []route{
		post("/api/v1/petitions", LimitJSON, submit, s.apiCreatePetition),
		get("/api/v1/petitions/:code", lookup, s.apiGetPetition),
		get("/api/v1/categories", s.apiCategories),
		get("/api/v1/units", s.apiUnits),
		get("/api/v1/areas", s.apiAreas),
		get("/api/v1/procedures", s.apiProcedures),
		get("/api/v1/stats", s.apiStats),
		get("/api/v1/search", s.apiSearch),
		get("/api/v1/answers/latest", s.apiLatestAnswers),
		get("/api/openapi.json", s.openAPI),
	}
}

// open311Routes: Open311 GeoReport v2 (open311.go). Creating a request
// needs an API key and is limited per key; anything else under the prefix
// is the spec's 404.
func (s *Server) open311Routes() []route {
	keys := &keyLimiters{byKey: map[int64]fiber.Handler{}}
	lookup := s.rateLimit("lookup", s.Config.LookupLimit)
	return []route{
		get("/open311/v2/", s.open311Root),
		get("/open311/v2/discovery.:format", s.open311Discovery),
		get("/open311/v2/services.:format", s.open311Services),
		get("/open311/v2/services/:code.:format", s.open311ServiceDefinition),
		get("/open311/v2/requests.:format", lookup, s.open311Requests),
		post("/open311/v2/requests.:format", LimitJSON, s.open311Key, keys.limit, s.open311Create),
		get("/open311/v2/requests/:id.:format", lookup, s.open311Request),
		use("/open311/v2", s.open311NotFound),
	}
}

// register adds a table's routes to Fiber and records the body limits
// routeBodyLimit gives fasthttp.
func (s *Server) register(table []route) {
	for _, r := range table {
		h := r.handlers
		if r.body > 0 {
			h = append([]fiber.Handler{limitBody(r.body)}, h...)
		}
		switch r.method {
		case fiber.MethodGet:
			s.app.Get(r.path, h...)
		case methodUse:
			args := []any{r.path}
			for _, f := range h {
				args = append(args, f)
			}
			s.app.Use(args...)
		default:
			s.app.Add(r.method, r.path, h...)
		}
		if r.body > LimitJSON {
			s.bodyRules = append(s.bodyRules, bodyRule{method: r.method, segments: strings.Split(strings.ToLower(r.path), "/"), limit: r.body})
		}
	}
}
