package app_test

import (
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"pakn/app"
	"pakn/internal/testdb"
	"pakn/internal/testenv"
)

// registeredRoutes lists what the server registered, in the order Fiber
// tries it: one line per route or middleware, "METHOD path handler…".
// HEAD mirrors GET and the methods no route names (PUT, DELETE, …) hold
// only the middleware mounted with Use; they are checked, not listed.
func registeredRoutes(t *testing.T, s *app.Server) []string {
	t.Helper()
	byMethod := map[string][]string{}
	// Middleware mounted with Use is registered for every method, PUT
	// included; no route answers PUT.
	use := map[string]bool{}
	for _, r := range s.App().GetRoutes() {
		if r.Method == "PUT" {
			use[routeLine(r)] = true
		}
	}
	for _, r := range s.App().GetRoutes() {
		line := routeLine(r)
		if r.Method == "POST" && !use[line] {
			// The body limit fasthttp applies from the headers.
			line = r.Path + " [" + megabytes(s.RouteBodyLimit(r.Method, examplePath(r.Path))) + "]" + strings.TrimPrefix(line, r.Path)
		}
		byMethod[r.Method] = append(byMethod[r.Method], line)
	}
	if !reflect.DeepEqual(byMethod["HEAD"], byMethod["GET"]) {
		t.Errorf("HEAD does not mirror GET:\nHEAD %q\nGET  %q", byMethod["HEAD"], byMethod["GET"])
	}
	var out []string
	for _, m := range []string{"GET", "POST"} {
		for _, l := range byMethod[m] {
			out = append(out, m+" "+l)
		}
	}
	for _, m := range []string{"PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"} {
		if !reflect.DeepEqual(byMethod[m], byMethod["PUT"]) {
			t.Errorf("%s differs from PUT:\n%s %q\nPUT %q", m, m, byMethod[m], byMethod["PUT"])
		}
	}
	for _, l := range byMethod["PUT"] {
		out = append(out, "* "+l)
	}
	return out
}

// handlerName names a handler by the function that made it, without its
// package: a method value "homePage", a middleware "requireUser" or
// "limitBody", Fiber's "New" (recover, cors, filesystem: which one the path
// shows). Only the last name is kept: the compiler's inlining changes the
// rest.
func handlerName(h any) string {
	n := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	n = strings.TrimSuffix(n, "-fm")
	for funcN.MatchString(n) {
		n = funcN.ReplaceAllString(n, "")
	}
	return n[strings.LastIndexByte(n, '.')+1:]
}

var funcN = regexp.MustCompile(`\.func\d+$`)

// routeLine is a route's path and its handlers' names.
func routeLine(r fiber.Route) string {
	names := []string{r.Path}
	for _, h := range r.Handlers {
		names = append(names, handlerName(h))
	}
	return strings.Join(names, " ")
}

// examplePath fills a route's parameters.
func examplePath(p string) string {
	return param.ReplaceAllString(p, "${1}1")
}

var param = regexp.MustCompile(`(^|[/.]):[a-z]+(<[a-z]+>)?`)

func megabytes(n int) string { return strconv.Itoa(n>>20) + " MB" }

// TestRouteTable compares the registered routes, their order and each
// one's middleware with the list below, with every optional part on
// (citizen sign-in with the demo provider, CORS): a route added, removed,
// reordered or given other middleware shows here. After a deliberate
// change, paste the list the failure prints.
func TestRouteTable(t *testing.T) {
	e := testenv.New(t, testdb.SQLite(t), testenv.Options{NoSeed: true, Configure: func(c *app.Config) {
		c.BaseURL = "http://127.0.0.1:8080"
		c.OIDC.Demo = true
		c.CORSOrigins = []string{"https://portal.example"}
	}})
	got := registeredRoutes(t, e.Server)
	want := strings.Split(strings.TrimSpace(goldenRoutes), "\n")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the routes changed; if on purpose, set goldenRoutes to:\n%s", strings.Join(got, "\n"))
	}
}

const goldenRoutes = `
GET / New observe securityHeaders requestBodies compress language boundInFlight
GET /admin loadSession accountGate
GET /demo-idp/* setupAccounts
GET /account loadCitizen
GET /submit loadCitizen
GET / csrf
GET /api/v1/search New
GET /api/v1/answers/latest New
GET /api/v1/stats New
GET /api/v1/categories New
GET /api/v1/units New
GET /api/v1/areas New
GET /api/openapi.json New
GET /healthz healthz
GET /readyz readyz
GET /metrics metricsAuth HTTPHandler
GET /favicon.ico favicon
GET /static staticCacheControl New
GET / homePage
GET /submit submitForm
GET /submit/receipt receiptPage
GET /track trackForm
GET /track/resend resendForm
GET /search searchPage
GET /qa/:id qaItemPage
GET /faq faqPage
GET /feeds/answers.atom answersFeed
GET /stats statsPage
GET /embed/search embedSearch
GET /embed/latest embedLatest
GET /sitemap.xml sitemap
GET /robots.txt robots
GET /account/login accountLogin
GET /account/callback accountCallback
GET /account/consent accountConsentForm
GET /account accountPage
GET /admin/login loginForm
GET /admin/login/code loginCodeForm
GET /admin/reset/:token resetForm
GET /admin/account requireUser officialAccountPage
GET /admin/account/2fa requireUser accountTOTPPage
GET /admin requireUser adminInbox
GET /admin/stats.xlsx requireUser adminStatsXLSX
GET /admin/petitions/:code requireUser petitionPage
GET /admin/petitions/:code/files/:id requireUser petitionFile
GET /admin/submit requireUser clerkForm
GET /admin/submit/receipt requireUser adminReceiptPage
GET /admin/faq requireUser adminFAQList
GET /admin/faq/new requireUser adminFAQNew
GET /admin/faq/export.xlsx requireUser adminFAQExport
GET /admin/faq/:id<int> requireUser adminFAQEdit
GET /admin/units requireUser cfgUnits
GET /admin/areas requireUser cfgAreas
GET /admin/categories requireUser cfgCategories
GET /admin/rules requireUser cfgRules
GET /admin/holidays requireUser cfgHolidays
GET /admin/users requireUser cfgUsers
GET /admin/policies requireUser policiesPage
GET /admin/procedures requireUser adminProcedures
GET /admin/outbox requireUser adminOutbox
GET /admin/keys requireUser adminKeys
GET /admin/synonyms requireUser adminSynonyms
GET /admin/embed requireUser adminEmbed
GET /api/v1/petitions/:code rateLimit apiGetPetition
GET /api/v1/categories apiCategories
GET /api/v1/units apiUnits
GET /api/v1/areas apiAreas
GET /api/v1/procedures apiProcedures
GET /api/v1/stats apiStats
GET /api/v1/search apiSearch
GET /api/v1/answers/latest apiLatestAnswers
GET /api/openapi.json openAPI
GET /open311/v2/ open311Root
GET /open311/v2/discovery.:format open311Discovery
GET /open311/v2/services.:format open311Services
GET /open311/v2/services/:code.:format open311ServiceDefinition
GET /open311/v2/requests.:format rateLimit open311Requests
GET /open311/v2/requests/:id.:format rateLimit open311Request
GET /open311/v2 open311NotFound
POST / New observe securityHeaders requestBodies compress language boundInFlight
POST /admin loadSession accountGate
POST /demo-idp/* setupAccounts
POST /account loadCitizen
POST /submit loadCitizen
POST / csrf
POST /api/v1/search New
POST /api/v1/answers/latest New
POST /api/v1/stats New
POST /api/v1/categories New
POST /api/v1/units New
POST /api/v1/areas New
POST /api/openapi.json New
POST /static staticCacheControl New
POST /submit [55 MB] limitBody rateLimit submitPost
POST /track [1 MB] limitBody rateLimit trackPost
POST /track/info [55 MB] limitBody rateLimit trackInfo
POST /track/withdraw [1 MB] limitBody rateLimit trackWithdraw
POST /track/rate [1 MB] limitBody rateLimit trackRate
POST /track/files/:id [1 MB] limitBody rateLimit trackFile
POST /track/resend [1 MB] limitBody rateLimit resendPost
POST /account/consent [1 MB] limitBody accountConsentPost
POST /account/profile [1 MB] limitBody requireCitizen accountProfile
POST /account/claim [1 MB] limitBody rateLimit requireCitizen accountClaim
POST /account/logout [1 MB] limitBody accountLogout
POST /admin/login [1 MB] limitBody loginPost
POST /admin/logout [1 MB] requireUser logoutPost
POST /admin/login/code [1 MB] limitBody loginCodePost
POST /admin/reset/:token [1 MB] limitBody resetPost
POST /admin/account/password [1 MB] limitBody requireUser accountPassword
POST /admin/account/2fa/setup [1 MB] limitBody requireUser accountTOTPSetup
POST /admin/account/2fa/confirm [1 MB] limitBody requireUser accountTOTPConfirm
POST /admin/account/2fa/disable [1 MB] limitBody requireUser accountTOTPDisable
POST /admin/petitions/:code/:action [55 MB] limitBody requireUser petitionAction
POST /admin/submit [55 MB] limitBody requireUser clerkPost
POST /admin/faq [1 MB] limitBody requireUser adminFAQCreate
POST /admin/faq/import [20 MB] limitBody requireUser adminFAQImport
POST /admin/faq/:id<int> [1 MB] limitBody requireUser adminFAQUpdate
POST /admin/faq/:id<int>/publish [1 MB] limitBody requireUser adminFAQPublish
POST /admin/faq/:id<int>/unpublish [1 MB] limitBody requireUser adminFAQUnpublish
POST /admin/faq/:id<int>/release [1 MB] limitBody requireUser adminFAQRelease
POST /admin/units [1 MB] limitBody requireUser cfgUnitSave
POST /admin/areas [1 MB] limitBody requireUser cfgAreaSave
POST /admin/categories [1 MB] limitBody requireUser cfgCategorySave
POST /admin/rules [1 MB] limitBody requireUser cfgRuleSave
POST /admin/holidays [1 MB] limitBody requireUser cfgHolidaySave
POST /admin/users [1 MB] limitBody requireUser cfgUserSave
POST /admin/rules/:id/delete [1 MB] limitBody requireUser cfgRuleDelete
POST /admin/holidays/:date/delete [1 MB] limitBody requireUser cfgHolidayDelete
POST /admin/users/:id/active [1 MB] limitBody requireUser cfgUserActive
POST /admin/users/two-factor [1 MB] limitBody requireUser cfgTwoFactorRoles
POST /admin/users/:id/reset [1 MB] limitBody requireUser cfgUserReset
POST /admin/users/:id/role [1 MB] limitBody requireUser cfgUserRole
POST /admin/users/:id/two-factor-off [1 MB] limitBody requireUser cfgUserTwoFactorOff
POST /admin/policies [1 MB] limitBody requireUser policySave
POST /admin/policies/:id [1 MB] limitBody requireUser policySave
POST /admin/policies/:id/delete [1 MB] limitBody requireUser policyDelete
POST /admin/procedures/import [20 MB] limitBody requireUser adminProcedureImport
POST /admin/procedures/:code/deactivate [1 MB] limitBody requireUser adminProcedureDeactivate
POST /admin/outbox/:id/retry [1 MB] limitBody requireUser adminOutboxRetry
POST /admin/keys [1 MB] limitBody requireUser adminKeysCreate
POST /admin/keys/:id/revoke [1 MB] limitBody requireUser adminKeysRevoke
POST /admin/synonyms [1 MB] limitBody requireUser adminSynonymsSave
POST /api/v1/petitions [1 MB] limitBody rateLimit apiCreatePetition
POST /open311/v2/requests.:format [1 MB] limitBody open311Key limit open311Create
POST /open311/v2 open311NotFound
* / New observe securityHeaders requestBodies compress language boundInFlight
* /admin loadSession accountGate
* /demo-idp/* setupAccounts
* /account loadCitizen
* /submit loadCitizen
* / csrf
* /api/v1/search New
* /api/v1/answers/latest New
* /api/v1/stats New
* /api/v1/categories New
* /api/v1/units New
* /api/v1/areas New
* /api/openapi.json New
* /static staticCacheControl New
* /open311/v2 open311NotFound
`
