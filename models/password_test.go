package models

import (
	"strings"
	"testing"
)

// TestPasswordCost: the production hash uses argon2id's production cost
// (tests elsewhere hash at the lowest cost for speed), and a hash carries
// its own parameters, so a password hashed at any cost still checks.
func TestPasswordCost(t *testing.T) {
	cases := []struct {
		name   string
		hash   func(string) (string, error)
		params string
	}{
		{"production", HashPassword, "$m=65536,t=3,p="},
		{"zero cost is production", PasswordCost{}.hash, "$m=65536,t=3,p="},
		{"test cost", PasswordCost{Time: 1, MemoryKiB: 64}.hash, "$m=64,t=1,p="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := tc.hash("mật khẩu đủ dài 2026")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, "$argon2id$") || !strings.Contains(h, tc.params) {
				t.Fatalf("hash %q, want parameters %q", h, tc.params)
			}
			if !CheckPassword(h, "mật khẩu đủ dài 2026") || CheckPassword(h, "mật khẩu sai") {
				t.Fatalf("check of %q", h)
			}
		})
	}
}
