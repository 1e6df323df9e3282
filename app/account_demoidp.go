package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"pakn/views"
)

// The demo identity provider: a real OpenID provider (zitadel/oidc's op
// package over its in-memory storage) with three demo citizens and a page to
// choose one instead of a password. PAKN serves it under /demo-idp/ only
// with --demo and no PAKN_OIDC_ISSUER; tests run it on a server of its own.

// DemoCitizen is one person the demo provider can sign in.
type DemoCitizen struct {
	ID, Name, Email, Phone, Address, IDNumber string
	EmailVerified, PhoneVerified              bool
}

// DemoCitizens are the demo provider's people: one with every detail, one
// without a phone, one whose phone the provider does not vouch for and
// without an address (to be given on /account).
var DemoCitizens = []DemoCitizen{
	{ID: "demo-citizen-1", Name: "Nguyễn Văn An", Email: "an.nguyen@demo.pakn.vn", EmailVerified: true, Phone: "0912 345 678", PhoneVerified: true,
		Address: "Số 12 đường Hùng Vương, phường 2, thành phố Tân An, tỉnh Long An", IDNumber: "080090001234"},
	{ID: "demo-citizen-2", Name: "Trần Thị Bích", Email: "bich.tran@demo.pakn.vn", EmailVerified: true,
		Address: "Ấp 3, xã Long Hậu, huyện Cần Giuộc, tỉnh Long An", IDNumber: "080195005678"},
	{ID: "demo-citizen-3", Name: "Lê Hoàng Minh", Email: "minh.le@demo.pakn.vn", Phone: "0987 654 321"},
}

// DemoIDNumberClaim is the claim the demo provider puts the ID number in.
const DemoIDNumberClaim = "citizen_id"

// DemoProviderConfig configures the demo provider.
type DemoProviderConfig struct {
	// Issuer is the provider's URL, with its path (e.g. BaseURL/demo-idp).
	Issuer string
	// ClientID, ClientSecret and RedirectURI register PAKN as its client;
	// PostLogoutURI is where its sign-out may send the citizen back.
	ClientID, ClientSecret, RedirectURI, PostLogoutURI string
	// Catalog translates the choice page (vi, en).
	Catalog *views.Catalog
}

// DemoProvider is the demo provider as an http.Handler for every path under
// the issuer's.
type DemoProvider struct {
	prefix   string
	op       *op.Provider
	storage  *demoStorage
	users    demoUsers
	page     *template.Template
	cat      *views.Catalog
	callback func(context.Context, string) string
}

// NewDemoProvider builds the demo provider.
func NewDemoProvider(cfg DemoProviderConfig) (*DemoProvider, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("demo provider issuer: %w", err)
	}
	prefix := strings.TrimRight(u.Path, "/")
	users := demoUsers{}
	for _, c := range DemoCitizens {
		users[c.ID] = c
	}
	web := storage.WebClient(cfg.ClientID, cfg.ClientSecret, cfg.RedirectURI)
	st := &demoStorage{
		Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{cfg.ClientID: web}),
		client:  &demoClient{Client: web, loginURL: prefix + "/login?authRequestID=", postLogout: []string{cfg.PostLogoutURI}},
		users:   users,
	}
	var key [32]byte = sha256.Sum256([]byte("pakn demo provider " + cfg.ClientSecret))
	var opts []op.Option
	if insecureLoopbackOK(cfg.Issuer) {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:                key,
		DefaultLogoutRedirectURI: cfg.PostLogoutURI,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		SupportedUILocales:       []language.Tag{language.Vietnamese, language.English},
	}, st, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("demo provider: %w", err)
	}
	page, err := template.ParseFS(views.Templates(), "demo_idp.html")
	if err != nil {
		return nil, fmt.Errorf("demo provider page: %w", err)
	}
	return &DemoProvider{prefix: prefix, op: provider, storage: st, users: users, page: page, cat: cfg.Catalog, callback: op.AuthCallbackURL(provider)}, nil
}

// ServeHTTP serves the provider's endpoints and the choice page.
func (d *DemoProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == d.prefix+"/login" {
		op.NewIssuerInterceptor(d.op.IssuerFromRequest).Handler(http.HandlerFunc(d.login)).ServeHTTP(w, r)
		return
	}
	http.StripPrefix(d.prefix, d.op).ServeHTTP(w, r)
}

// login shows the three demo citizens; choosing one signs them in at the
// provider. The auth request's id, known only to the browser that started
// the sign-in, is what ties the choice to it.
func (d *DemoProvider) login(w http.ResponseWriter, r *http.Request) {
	lang := "vi"
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" || r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		id := r.PostForm.Get("authRequestID")
		if err := d.storage.CheckUsernamePassword(r.PostForm.Get("citizen"), "", id); err != nil {
			http.Error(w, d.cat.T(lang, "demoidp.unknown"), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, d.callback(r.Context(), id), http.StatusFound)
		return
	}
	id := r.URL.Query().Get("authRequestID")
	if _, err := d.storage.AuthRequestByID(r.Context(), id); err != nil {
		http.Error(w, d.cat.T(lang, "demoidp.unknown"), http.StatusBadRequest)
		return
	}
	t := func(key string) string { return d.cat.T(lang, key) }
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = d.page.ExecuteTemplate(w, "demo_idp.html", map[string]any{
		"Lang": lang, "T": t, "RequestID": id, "Citizens": DemoCitizens, "Action": d.prefix + "/login",
	})
}

// demoUsers is the demo provider's user store (storage.UserStore).
type demoUsers map[string]DemoCitizen

func (u demoUsers) user(c DemoCitizen) *storage.User {
	first, last := c.Name, ""
	if i := strings.LastIndex(c.Name, " "); i > 0 {
		last, first = c.Name[:i], c.Name[i+1:]
	}
	return &storage.User{ID: c.ID, Username: c.ID, FirstName: first, LastName: last, Email: c.Email, EmailVerified: c.EmailVerified,
		Phone: c.Phone, PhoneVerified: c.PhoneVerified, PreferredLanguage: language.Vietnamese}
}

func (u demoUsers) GetUserByID(id string) *storage.User {
	if c, ok := u[id]; ok {
		return u.user(c)
	}
	return nil
}

func (u demoUsers) GetUserByUsername(name string) *storage.User { return u.GetUserByID(name) }

// ExampleClientID names the storage's service client; the demo has none
// (see GetKeyByIDAndClientID).
func (u demoUsers) ExampleClientID() string { return "pakn-demo-no-service" }

// demoStorage is the library's in-memory storage with PAKN's client, the
// full name in Vietnamese order, the address and ID number claims, and
// without the example's service accounts.
type demoStorage struct {
	*storage.Storage
	client *demoClient
	users  demoUsers
}

func (s *demoStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	if id != s.client.GetID() {
		return nil, fmt.Errorf("unknown client %q (want %q)", id, s.client.GetID())
	}
	return s.client, nil
}

func (s *demoStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, token, scopes); err != nil {
		return err
	}
	s.addClaims(ui, token.GetSubject(), scopes)
	return nil
}

func (s *demoStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	var scopes []string
	if ui.Name != "" {
		scopes = append(scopes, oidc.ScopeProfile)
	}
	if ui.Email != "" || ui.Name != "" {
		scopes = append(scopes, oidc.ScopeAddress)
	}
	s.addClaims(ui, ui.Subject, scopes)
	return nil
}

func (s *demoStorage) addClaims(ui *oidc.UserInfo, subject string, scopes []string) {
	c, ok := s.users[subject]
	if !ok {
		return
	}
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeProfile:
			ui.Name = c.Name
			if c.IDNumber != "" {
				ui.AppendClaims(DemoIDNumberClaim, c.IDNumber)
			}
		case oidc.ScopeAddress:
			if c.Address != "" {
				ui.Address = &oidc.UserInfoAddress{Formatted: c.Address}
			}
		}
	}
}

// The example storage's service accounts (client credentials, JWT profile)
// are not part of the demo.
func (s *demoStorage) ClientCredentials(ctx context.Context, clientID, clientSecret string) (op.Client, error) {
	return nil, errors.New("client credentials are not offered")
}

func (s *demoStorage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile is not offered")
}

// demoClient is PAKN registered at the demo provider, its login page under
// the provider's path.
type demoClient struct {
	*storage.Client
	loginURL   string
	postLogout []string
}

func (c *demoClient) LoginURL(id string) string        { return c.loginURL + url.QueryEscape(id) }
func (c *demoClient) PostLogoutRedirectURIs() []string { return c.postLogout }
