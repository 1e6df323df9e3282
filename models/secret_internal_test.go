package models

import (
	"strings"
	"testing"
)

// TestLookupSecretNotSentInClear: the PostgreSQL intake statement's
// parameters carry the secret's digest, never the secret, in any form the
// citizen may type it.
func TestLookupSecretNotSentInClear(t *testing.T) {
	secret := NewLookupSecret()
	items := []*intakeItem{{day: "270101", stamp: "1", sub: &plannedSubmission{Submission: Submission{Secret: secret}}}}
	forms := []string{secret, NormalizeSecret(secret), strings.ToLower(secret)}
	for i, arg := range submitArgs(items) {
		var texts []string
		switch v := arg.(type) {
		case string:
			texts = []string{v}
		case []byte:
			texts = []string{string(v)}
		case []string:
			texts = v
		case [][]byte:
			for _, b := range v {
				texts = append(texts, string(b))
			}
		}
		for _, s := range texts {
			for _, f := range forms {
				if strings.Contains(s, f) {
					t.Fatalf("parameter $%d carries the secret %q", i+1, f)
				}
			}
		}
	}
	// What the statement finishes is hashSecret's value.
	code := "PAKN-270101-0042"
	tail := submitArgs(items)[6].([][]byte)[0]
	if got := storedSecretHash(code, tail[1:]); got != hashSecret(code, secret) || tail[0] != 0 {
		t.Fatalf("statement's hash %s, hashSecret %s", got, hashSecret(code, secret))
	}
}

func TestCodeDay(t *testing.T) {
	for code, want := range map[string]string{
		"PAKN-270101-0042":  "270101",
		"PAKN-270101-10000": "270101",
		"PAKN-270101-":      "",
		"XXXX-270101-0042":  "",
		"":                  "",
	} {
		if got := codeDay(code); got != want {
			t.Errorf("codeDay(%q) = %q, want %q", code, got, want)
		}
	}
}
