package main

import (
	"strings"
	"testing"
)

// PAKN_OIDC_*: https issuers (http only on loopback), a client id with
// them, claim overrides over the defaults.
func TestLoadOIDCConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := loadConfig(env("PAKN_OIDC_ISSUER", "https://sso.example.gov.vn/", "PAKN_OIDC_CLIENT_ID", "pakn", "PAKN_OIDC_CLAIMS", "id_number=citizen_id, phone=mobile"))
	if err != nil {
		t.Fatal(err)
	}
	o := c.OIDC
	if o.Issuer != "https://sso.example.gov.vn" || o.ClientID != "pakn" || strings.Join(o.Scopes, " ") != "openid profile email phone address" ||
		o.Claims["id_number"] != "citizen_id" || o.Claims["phone"] != "mobile" || o.Claims["address"] != "address.formatted" || o.Label != "Cổng Dịch vụ công quốc gia" {
		t.Fatalf("parsed: %+v", o)
	}
	if c, err := loadConfig(env()); err != nil || c.OIDC.Enabled() {
		t.Fatalf("without an issuer sign-in is off: %+v, %v", c.OIDC, err)
	}
	for _, ok := range []string{"http://127.0.0.1:9000/idp", "http://localhost:9000", "http://[::1]:9000"} {
		if _, err := loadConfig(env("PAKN_OIDC_ISSUER", ok, "PAKN_OIDC_CLIENT_ID", "pakn")); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	bad := []struct {
		name string
		env  []string
		want string
	}{
		{"http issuer off loopback", []string{"PAKN_OIDC_ISSUER", "http://sso.example.gov.vn", "PAKN_OIDC_CLIENT_ID", "pakn"}, "https is required"},
		{"no client id", []string{"PAKN_OIDC_ISSUER", "https://sso.example.gov.vn"}, "PAKN_OIDC_CLIENT_ID"},
		{"unknown field", []string{"PAKN_OIDC_CLAIMS", "birthday=birthdate"}, "PAKN_OIDC_CLAIMS"},
		{"pair without claim", []string{"PAKN_OIDC_CLAIMS", "name"}, "PAKN_OIDC_CLAIMS"},
	}
	for _, b := range bad {
		if _, err := loadConfig(env(b.env...)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: got %v, want %q", b.name, err, b.want)
		}
	}
}
