package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"pakn/models"
)

// OIDCConfig is the citizens' sign-in (PAKN_OIDC_*).
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; empty turns citizen sign-in
	// off unless Demo is set.
	Issuer                 string
	ClientID, ClientSecret string
	Scopes                 []string
	// Claims maps PAKN's profile fields to the provider's claims (a dotted
	// claim reads a member of an object claim).
	Claims map[string]string
	// Label is the provider's name on the sign-in button.
	Label string
	// Demo serves the demo provider at /demo-idp/ (only with --demo and no
	// issuer).
	Demo bool
	// Now is the clock ID tokens are checked against (tests); nil: now.
	Now func() time.Time
}

// Defaults of the PAKN_OIDC_* variables (docs/ARCHITECTURE.md).
const (
	DefaultOIDCScopes = "openid profile email phone address"
	DefaultOIDCClaims = "name=name,email=email,phone=phone_number,address=address.formatted"
	DefaultOIDCLabel  = "Cổng Dịch vụ công quốc gia"
	demoIssuerPath    = "/demo-idp"
)

// Enabled tells whether citizens can sign in.
func (c OIDCConfig) Enabled() bool { return c.Issuer != "" || c.Demo }

// ParseOIDCClaims reads PAKN_OIDC_CLAIMS over the defaults.
func ParseOIDCClaims(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, list := range []string{DefaultOIDCClaims, s} {
		for _, pair := range strings.Split(list, ",") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			field, claim, ok := strings.Cut(pair, "=")
			field, claim = strings.TrimSpace(field), strings.TrimSpace(claim)
			if !ok || claim == "" || !slices.Contains(models.ProfileFields, field) {
				return nil, fmt.Errorf("PAKN_OIDC_CLAIMS: %q is not field=claim with a field among %s", pair, strings.Join(models.ProfileFields, ", "))
			}
			out[field] = claim
		}
	}
	return out, nil
}

// CheckIssuer refuses issuers that are not https, except http on a
// loopback address (tests, the demo).
func CheckIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return fmt.Errorf("PAKN_OIDC_ISSUER %q is not a URL", issuer)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && insecureLoopbackOK(issuer):
		return nil
	}
	return fmt.Errorf("PAKN_OIDC_ISSUER %q: https is required (http only on a loopback address)", issuer)
}

// insecureLoopbackOK tells whether an http URL names a loopback host.
func insecureLoopbackOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// relyingParty is PAKN as the provider's client: discovery happens on first
// use and again after a failure, so PAKN starts while the provider is down.
type relyingParty struct {
	cfg         OIDCConfig
	redirectURL string
	client      *http.Client

	mu   sync.Mutex
	live *discovered
}

// discovered is what the provider's discovery document says.
type discovered struct {
	provider   *oidc.Provider
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// errProvider marks failures to reach the provider (or a provider that
// answers nonsense): a clear page, nobody signed in.
var errProvider = errors.New("identity provider unavailable")

func newRelyingParty(cfg OIDCConfig, baseURL string) (*relyingParty, error) {
	if err := CheckIssuer(cfg.Issuer); err != nil {
		return nil, err
	}
	if cfg.ClientID == "" {
		return nil, errors.New("PAKN_OIDC_CLIENT_ID is required with PAKN_OIDC_ISSUER")
	}
	return &relyingParty{cfg: cfg, redirectURL: baseURL + "/account/callback", client: &http.Client{Timeout: 15 * time.Second}}, nil
}

func (rp *relyingParty) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, rp.client)
}

// discover returns the provider's configuration, fetching it when needed.
func (rp *relyingParty) discover(ctx context.Context) (*discovered, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.live != nil {
		return rp.live, nil
	}
	// The key set is fetched later with this context's client: never the
	// request's context, which ends with the request.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), rp.client), rp.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery: %v", errProvider, err)
	}
	var meta struct {
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
		EndSession  string   `json:"end_session_endpoint"`
		Methods     []string `json:"code_challenge_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("%w: discovery: %v", errProvider, err)
	}
	ep := p.Endpoint()
	// RFC 8414: absent means client_secret_basic.
	switch {
	case len(meta.AuthMethods) == 0 || slices.Contains(meta.AuthMethods, "client_secret_basic"):
		ep.AuthStyle = oauth2.AuthStyleInHeader
	case slices.Contains(meta.AuthMethods, "client_secret_post"):
		ep.AuthStyle = oauth2.AuthStyleInParams
	default:
		return nil, fmt.Errorf("%w: token endpoint offers neither client_secret_basic nor client_secret_post (%v)", errProvider, meta.AuthMethods)
	}
	d := &discovered{
		provider:   p,
		oauth:      oauth2.Config{ClientID: rp.cfg.ClientID, ClientSecret: rp.cfg.ClientSecret, Endpoint: ep, RedirectURL: rp.redirectURL, Scopes: rp.cfg.Scopes},
		verifier:   p.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID, Now: rp.cfg.Now}),
		endSession: meta.EndSession,
	}
	rp.live = d
	return d, nil
}

// authURL is where a sign-in starts: code flow, PKCE S256, state, nonce.
func (rp *relyingParty) authURL(ctx context.Context, start models.CitizenLoginStart, lang string) (string, error) {
	d, err := rp.discover(ctx)
	if err != nil {
		return "", err
	}
	return d.oauth.AuthCodeURL(start.State, oidc.Nonce(start.Nonce), oauth2.S256ChallengeOption(start.Verifier),
		oauth2.SetAuthURLParam("ui_locales", lang)), nil
}

// errBadCallback marks a callback that signs no one in: forged, replayed,
// a token that does not verify.
var errBadCallback = errors.New("bad sign-in callback")

// identity is who the provider says signed in.
type identity struct {
	Issuer, Subject string
	Profile         models.CitizenProfile
	RawIDToken      string
}

// exchange turns the callback's code into a verified identity: the code
// with the PKCE verifier, the ID token's signature, issuer, audience,
// expiry and nonce, and user info when the ID token lacks claims.
func (rp *relyingParty) exchange(ctx context.Context, code string, login *models.CitizenLogin) (*identity, error) {
	d, err := rp.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = rp.ctx(ctx)
	tok, err := d.oauth.Exchange(ctx, code, oauth2.VerifierOption(login.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, fmt.Errorf("%w: token endpoint refused the code: %s", errBadCallback, re.ErrorCode)
		}
		return nil, fmt.Errorf("%w: token endpoint: %v", errProvider, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: no id_token in the token response", errBadCallback)
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: id token: %v", errBadCallback, err)
	}
	if idt.Nonce == "" || idt.Nonce != login.Nonce {
		return nil, fmt.Errorf("%w: id token nonce does not match", errBadCallback)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: id token claims: %v", errBadCallback, err)
	}
	if rp.missing(claims) && d.provider.UserInfoEndpoint() != "" {
		ui, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, fmt.Errorf("%w: user info: %v", errProvider, err)
		}
		if ui.Subject != idt.Subject {
			return nil, fmt.Errorf("%w: user info is about another subject", errBadCallback)
		}
		more := map[string]any{}
		if err := ui.Claims(&more); err != nil {
			return nil, fmt.Errorf("%w: user info claims: %v", errProvider, err)
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	return &identity{Issuer: idt.Issuer, Subject: idt.Subject, Profile: rp.profile(claims), RawIDToken: raw}, nil
}

// missing tells whether a mapped claim is absent.
func (rp *relyingParty) missing(claims map[string]any) bool {
	for _, claim := range rp.cfg.Claims {
		if claimString(claims, claim) == "" {
			return true
		}
	}
	return false
}

// profile maps claims to PAKN's fields. The provider vouches for what it
// gives, but for an e-mail or phone only when it says it verified it.
func (rp *relyingParty) profile(claims map[string]any) models.CitizenProfile {
	var p models.CitizenProfile
	for _, field := range models.ProfileFields {
		claim, ok := rp.cfg.Claims[field]
		if !ok {
			continue
		}
		v := claimString(claims, claim)
		if v == "" {
			continue
		}
		p.Set(field, v)
		if (field == models.FieldEmail && claims["email_verified"] != true) ||
			(field == models.FieldPhone && claims["phone_number_verified"] != true) {
			continue
		}
		p.Vouched = append(p.Vouched, field)
	}
	return p
}

// claimString reads a claim, following dots into object claims.
func claimString(claims map[string]any, name string) string {
	var v any = claims
	for _, part := range strings.Split(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strings.TrimSuffix(fmt.Sprintf("%f", t), ".000000")
	}
	return ""
}

// providerOrigin is the origin of the provider's end_session_endpoint, or
// of its issuer before discovery (pages never wait for the provider).
func (rp *relyingParty) providerOrigin() string {
	rp.mu.Lock()
	raw := rp.cfg.Issuer
	if rp.live != nil && rp.live.endSession != "" {
		raw = rp.live.endSession
	}
	rp.mu.Unlock()
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// logoutURL is the provider's end_session_endpoint with the hint and the
// way back, or "" when the provider has none.
func (rp *relyingParty) logoutURL(ctx context.Context, idToken, back string) (string, string) {
	d, err := rp.discover(ctx)
	if err != nil || d.endSession == "" {
		return "", ""
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return "", ""
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	q.Set("client_id", rp.cfg.ClientID)
	q.Set("post_logout_redirect_uri", back)
	u.RawQuery = q.Encode()
	return u.String(), u.Scheme + "://" + u.Host
}

// randomToken is a state or nonce: 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
